-- Every indicator value of the sustainability scorecard before normalisation: one row per vendor, quarter and
-- catalog indicator with a value. An indicator takes its values from its catalog origin only: 'reported'
-- codes from int_indicators_deduplicated (source = the landing file), 'derived' codes from
-- int_indicators_derived (source = the mart it reads). Codes outside the catalog and null values are left out.
-- Vendors in scope: the vendors of market/vendors (dim_vendors rows with a market record). Vendors known only
-- from genai-prices are left out: the price catalog alone gives them a blended price for every quarter,
-- which would rank them on one indicator against vendors measured on twenty.

with

catalog as (

    select
        indicator,
        origin
    from {{ ref('dim_indicators') }}

),

market_vendors as (

    select vendor_id
    from {{ ref('int_vendors_deduplicated') }}

),

reported as (

    select
        vendor_id,
        period_start,
        indicator,
        value,
        'reported' as origin,
        _source_file as source
    from {{ ref('int_indicators_deduplicated') }}

),

derived as (

    select
        vendor_id,
        period_start,
        indicator,
        value,
        'derived' as origin,
        source
    from {{ ref('int_indicators_derived') }}

),

indicators_unioned as (

    select vendor_id, period_start, indicator, value, origin, source from reported
    union all
    select vendor_id, period_start, indicator, value, origin, source from derived

)

select
    cast(indicators_unioned.vendor_id as varchar) as vendor_id,
    cast(indicators_unioned.period_start as date) as quarter,
    cast(indicators_unioned.indicator as varchar) as indicator,
    cast(indicators_unioned.value as double) as raw_value,
    cast(indicators_unioned.origin as varchar) as origin,
    cast(indicators_unioned.source as varchar) as source
from indicators_unioned
inner join catalog
    on indicators_unioned.indicator = catalog.indicator
    and indicators_unioned.origin = catalog.origin
inner join market_vendors
    on indicators_unioned.vendor_id = market_vendors.vendor_id
where indicators_unioned.value is not null
