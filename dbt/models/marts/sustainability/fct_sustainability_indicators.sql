-- Every indicator value behind the sustainability scorecard, normalised (DESIGN §4). Per quarter and
-- indicator, across the vendors with a value:
--   normalized = (raw_value − min) / (max − min) x 100         higher_is_better
--              = (max − raw_value) / (max − min) x 100         lower_is_better
--              = 50                                            when max = min (one vendor, or all equal)
-- weight = the catalog weight of the indicator (dim_indicators); a vendor without a value has no row.

with

indicator_values as (

    select
        vendor_id,
        quarter,
        indicator,
        raw_value,
        origin,
        source,
        is_synthetic
    from {{ ref('int_sustainability_indicators_unioned') }}
    where raw_value is not null

),

catalog as (

    select
        indicator,
        dimension,
        direction,
        weight
    from {{ ref('dim_indicators') }}

),

indicator_ranges as (

    select
        indicator_values.vendor_id,
        indicator_values.quarter,
        catalog.dimension,
        indicator_values.indicator,
        indicator_values.raw_value,
        catalog.direction,
        catalog.weight,
        indicator_values.origin,
        indicator_values.source,
        indicator_values.is_synthetic,
        min(indicator_values.raw_value) over (
            partition by indicator_values.quarter, indicator_values.indicator
        ) as min_value,
        max(indicator_values.raw_value) over (
            partition by indicator_values.quarter, indicator_values.indicator
        ) as max_value
    from indicator_values
    inner join catalog
        on indicator_values.indicator = catalog.indicator

)

select
    cast(vendor_id as string) as vendor_id,
    cast(quarter as date) as quarter,
    cast(dimension as string) as dimension,
    cast(indicator as string) as indicator,
    cast(raw_value as double) as raw_value,
    cast(
        case
            when max_value = min_value then 50
            when direction = 'lower_is_better' then (max_value - raw_value) / (max_value - min_value) * 100
            else (raw_value - min_value) / (max_value - min_value) * 100
        end
        as double
    ) as normalized,
    cast(weight as double) as weight,
    cast(origin as string) as origin,
    cast(source as string) as source,
    cast(is_synthetic as boolean) as is_synthetic
from indicator_ranges
