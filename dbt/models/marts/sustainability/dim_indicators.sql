-- The indicator catalog (seed indicator_catalog): one row per indicator of the sustainability scorecard.
-- Weights and directions change here, without code.

select
    cast(code as varchar) as indicator,
    cast(dimension as varchar) as dimension,
    cast(name as varchar) as name,
    cast(unit as varchar) as unit,
    cast(direction as varchar) as direction,
    cast(weight as double) as weight,
    cast(origin as varchar) as origin,
    cast(description as varchar) as description,
    cast(seed_ref as varchar) as seed_ref
from {{ ref('indicator_catalog') }}
