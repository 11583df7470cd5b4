-- Every indicator value of the sustainability scorecard before normalisation: one row per vendor, quarter and
-- catalog indicator with a value. A 'derived' catalog code takes its values from int_indicators_derived only
-- (source = the mart it reads); any other code ('reported', 'reference') from int_indicators_deduplicated, which
-- already chose between a user's landing figure, the bundled reference data and demo data (origin 'reported'
-- with source = the landing file, or 'reference' with source = the citation). Codes outside the catalog and null
-- values are left out.
-- is_synthetic: demo data. Reported and reference rows carry it from int_indicators_deduplicated; a derived value
-- is synthetic when the vendor's market/vendors record is (demo data: source 'synthetic: ...'), except
-- blended_price_per_mtok, which comes from the real genai-prices data.
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

    select
        vendor_id,
        coalesce(source like 'synthetic:%', false) as is_synthetic
    from {{ ref('int_vendors_deduplicated') }}

),

delivered as (

    select
        vendor_id,
        period_start,
        indicator,
        value,
        origin,
        case when origin = 'reference' then source else _source_file end as source,
        is_synthetic
    from {{ ref('int_indicators_deduplicated') }}

),

derived as (

    select
        vendor_id,
        period_start,
        indicator,
        value,
        'derived' as origin,
        source,
        cast(null as boolean) as is_synthetic
    from {{ ref('int_indicators_derived') }}

),

indicators_unioned as (

    select vendor_id, period_start, indicator, value, origin, source, is_synthetic from delivered
    union all
    select vendor_id, period_start, indicator, value, origin, source, is_synthetic from derived

)

select
    cast(indicators_unioned.vendor_id as string) as vendor_id,
    cast(indicators_unioned.period_start as date) as quarter,
    cast(indicators_unioned.indicator as string) as indicator,
    cast(indicators_unioned.value as double) as raw_value,
    cast(indicators_unioned.origin as string) as origin,
    cast(indicators_unioned.source as string) as source,
    cast(
        coalesce(
            indicators_unioned.is_synthetic,
            indicators_unioned.indicator != 'blended_price_per_mtok' and market_vendors.is_synthetic
        )
        as boolean
    ) as is_synthetic
from indicators_unioned
inner join catalog
    on indicators_unioned.indicator = catalog.indicator
    and (indicators_unioned.origin = 'derived') = (catalog.origin = 'derived')
inner join market_vendors
    on indicators_unioned.vendor_id = market_vendors.vendor_id
where indicators_unioned.value is not null
