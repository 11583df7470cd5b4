-- Every price of every model (DESIGN §4), with its validity interval. Two sources:
--   genai-prices  one row per model, price component, tier, price change and condition of the installed
--                 package (source 'genai-prices@<version>'). valid_from null = the package's original price:
--                 in force since before its first dated change (the start is unknown). A dated change replaces
--                 the model's whole standard price set (the package uses the last active price set), so a
--                 standard row (condition null) is valid until the model's next change date, even when the
--                 new set drops that component or tier. A conditional row (request variant such as
--                 'processing=batch', or a time-of-day window) is overridden per price component, so it is
--                 valid until the next change of the same model, condition and price type.
--   price lists   users' rows (pricing/prices), source = the landing file; one price per vendor, model,
--                 price type and effective_from (a re-delivered or later-loaded row wins), valid until the
--                 next effective_from of the same vendor, model and price type.
-- A user's list wins: from the earliest effective_from of a vendor, model and price type on, the package's
-- standard rows (condition null, every tier) of that key end (valid_to = that date) and package rows that
-- would start on or after it are left out. Conditional package rows are kept (a price list has none).
-- is_current: in force today (valid_from null or <= current_date, valid_to null or > current_date).

with

genai_prices as (

    select
        provider_id as vendor_id,
        model_id,
        price_type,
        unit,
        tier_start,
        condition,
        usd_per_unit,
        valid_from,
        concat('genai-prices@', coalesce(package_version, 'unknown')) as source
    from {{ ref('stg_pricing__genai_prices') }}
    where price_type is not null
        and usd_per_unit is not null

),

-- one row per change of a model's standard price set, or of one component of a conditional price
genai_versions as (

    select distinct
        vendor_id,
        model_id,
        coalesce(condition, '') as condition_key,
        case when condition is null then '' else price_type end as price_type_key,
        valid_from
    from genai_prices

),

genai_versions_closed as (

    select
        vendor_id,
        model_id,
        condition_key,
        price_type_key,
        valid_from,
        lead(valid_from) over (
            partition by vendor_id, model_id, condition_key, price_type_key
            order by valid_from nulls first
        ) as valid_to
    from genai_versions

),

genai_prices_dated as (

    select
        genai_prices.vendor_id,
        genai_prices.model_id,
        genai_prices.price_type,
        genai_prices.unit,
        genai_prices.tier_start,
        genai_prices.condition,
        genai_prices.usd_per_unit,
        genai_prices.valid_from,
        genai_versions_closed.valid_to,
        genai_prices.source
    from genai_prices
    inner join genai_versions_closed
        on genai_prices.vendor_id = genai_versions_closed.vendor_id
        and genai_prices.model_id = genai_versions_closed.model_id
        and coalesce(genai_prices.condition, '') = genai_versions_closed.condition_key
        and (case when genai_prices.condition is null then '' else genai_prices.price_type end)
        = genai_versions_closed.price_type_key
        and coalesce(genai_prices.valid_from, cast('1900-01-01' as date))
        = coalesce(genai_versions_closed.valid_from, cast('1900-01-01' as date))

),

price_list_rows as (

    select
        vendor_id,
        model_id,
        price_type,
        coalesce(
            unit,
            case when price_type in ('input', 'output', 'cache_read', 'cache_write') then 'mtok' else price_type end
        ) as unit,
        usd_per_unit,
        effective_from,
        _source_file,
        row_number() over (
            partition by vendor_id, model_id, price_type, effective_from
            order by _loaded_at desc, _source_file desc, _row_number desc
        ) as version_rank
    from {{ ref('stg_pricing__prices') }}
    where vendor_id is not null
        and model_id is not null
        and price_type is not null
        and usd_per_unit is not null
        and effective_from is not null

),

price_list_dated as (

    select
        vendor_id,
        model_id,
        price_type,
        unit,
        cast(null as bigint) as tier_start,
        cast(null as string) as condition,
        usd_per_unit,
        effective_from as valid_from,
        lead(effective_from) over (
            partition by vendor_id, model_id, price_type
            order by effective_from
        ) as valid_to,
        _source_file as source
    from price_list_rows
    where version_rank = 1

),

price_list_starts as (

    select
        vendor_id,
        model_id,
        price_type,
        min(valid_from) as list_from
    from price_list_dated
    group by
        vendor_id,
        model_id,
        price_type

),

genai_prices_kept as (

    select
        genai_prices_dated.vendor_id,
        genai_prices_dated.model_id,
        genai_prices_dated.price_type,
        genai_prices_dated.unit,
        genai_prices_dated.tier_start,
        genai_prices_dated.condition,
        genai_prices_dated.usd_per_unit,
        genai_prices_dated.valid_from,
        case
            when genai_prices_dated.condition is not null or price_list_starts.list_from is null
                then genai_prices_dated.valid_to
            when genai_prices_dated.valid_to is null or genai_prices_dated.valid_to > price_list_starts.list_from
                then price_list_starts.list_from
            else genai_prices_dated.valid_to
        end as valid_to,
        genai_prices_dated.source
    from genai_prices_dated
    left join price_list_starts
        on genai_prices_dated.vendor_id = price_list_starts.vendor_id
        and genai_prices_dated.model_id = price_list_starts.model_id
        and genai_prices_dated.price_type = price_list_starts.price_type
    where genai_prices_dated.condition is not null
        or price_list_starts.list_from is null
        or genai_prices_dated.valid_from is null
        or genai_prices_dated.valid_from < price_list_starts.list_from

),

prices_unioned as (

    select
        vendor_id,
        model_id,
        price_type,
        unit,
        tier_start,
        condition,
        usd_per_unit,
        valid_from,
        valid_to,
        source
    from genai_prices_kept

    union all

    select
        vendor_id,
        model_id,
        price_type,
        unit,
        tier_start,
        condition,
        usd_per_unit,
        valid_from,
        valid_to,
        source
    from price_list_dated

)

select
    cast(vendor_id as string) as vendor_id,
    cast(model_id as string) as model_id,
    cast(price_type as string) as price_type,
    cast(unit as string) as unit,
    cast(tier_start as bigint) as tier_start,
    cast(condition as string) as condition,
    cast(usd_per_unit as decimal(18,9)) as usd_per_unit,
    cast(valid_from as date) as valid_from,
    cast(valid_to as date) as valid_to,
    cast(
        (valid_from is null or valid_from <= current_date)
        and (valid_to is null or valid_to > current_date)
        as boolean
    ) as is_current,
    cast(source as string) as source
from prices_unioned
