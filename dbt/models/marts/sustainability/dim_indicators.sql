-- The indicator catalog (seed indicator_catalog): one row per indicator of the sustainability scorecard.
-- Weights and directions change here, without code.

select
    cast(code as string) as indicator,
    cast(dimension as string) as dimension,
    cast(name as string) as name,
    cast(unit as string) as unit,
    cast(direction as string) as direction,
    cast(weight as double) as weight,
    cast(origin as string) as origin,
    cast(description as string) as description,
    cast(seed_ref as string) as seed_ref
from {{ ref('indicator_catalog') }}
