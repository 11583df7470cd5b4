-- The per-Mtok price of every model in force at the end of each month of the warehouse's data window:
-- base tier (tier_start null), no condition, unit mtok, price types input, output, cache_read, cache_write.
-- The one place that decides "which price did a model have in month m" (fct_price_index and the derived
-- indicator blended_price_per_mtok both read it).
--   window    the months of panel usage (first to last usage month); without usage, the first month of any
--             dated price (valid_from) to the current month; without either, the current month
--   in force  at the month's last day d: (valid_from null or <= d) and (valid_to null or > d). A null
--             valid_from (genai-prices' original price) counts as in force from the window's first month on.

with

usage_months as (

    select
        min(month) as first_month,
        max(month) as last_month
    from {{ ref('int_usage_monthly') }}

),

price_dates as (

    select min(valid_from) as first_price_date
    from {{ ref('fct_model_prices') }}

),

data_window as (

    select
        coalesce(
            usage_months.first_month,
            cast(date_trunc('month', coalesce(price_dates.first_price_date, current_date)) as date)
        ) as first_month,
        coalesce(usage_months.last_month, cast(date_trunc('month', current_date) as date)) as last_month
    from usage_months
    cross join price_dates

),

digits as (

    select 0 as digit union all select 1 union all select 2 union all select 3 union all select 4
    union all select 5 union all select 6 union all select 7 union all select 8 union all select 9

),

month_offsets as (

    -- up to 9,999 months: every month from the contract's earliest date to today
    select thousands.digit * 1000 + hundreds.digit * 100 + tens.digit * 10 + ones.digit as month_offset
    from digits as thousands
    cross join digits as hundreds
    cross join digits as tens
    cross join digits as ones

),

months as (

    select cast({{ dbt.dateadd('month', 'month_offsets.month_offset', 'data_window.first_month') }} as date) as month
    from data_window
    cross join month_offsets
    where cast({{ dbt.dateadd('month', 'month_offsets.month_offset', 'data_window.first_month') }} as date)
        <= data_window.last_month

),

month_ends as (

    select
        month,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'month')) }} as date) as month_end
    from months

),

base_prices as (

    select
        vendor_id,
        model_id,
        price_type,
        usd_per_unit,
        valid_from,
        valid_to
    from {{ ref('fct_model_prices') }}
    where tier_start is null
        and condition is null
        and unit = 'mtok'
        and price_type in ('input', 'output', 'cache_read', 'cache_write')

)

select
    cast(month_ends.month as date) as month,
    cast(base_prices.vendor_id as string) as vendor_id,
    cast(base_prices.model_id as string) as model_id,
    cast(base_prices.price_type as string) as price_type,
    cast(base_prices.usd_per_unit as decimal(18,9)) as usd_per_mtok
from month_ends
inner join base_prices
    on (base_prices.valid_from is null or base_prices.valid_from <= month_ends.month_end)
    and (base_prices.valid_to is null or base_prices.valid_to > month_ends.month_end)
