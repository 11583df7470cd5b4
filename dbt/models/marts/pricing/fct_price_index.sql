-- Price index per month, vendor ('all' = every vendor) and price type (input, output, cache_read,
-- cache_write) over the models priced that month (int_model_prices_monthly: base tier, no condition,
-- the price in force at the month's end):
--   median_usd_per_mtok  median of the models' prices (percentile_cont 0.5: the mean of the two middle ones
--                        when the count is even)
--   min_usd_per_mtok     the cheapest model's price
--   n_models             models priced
--   index                median / median of the series' first month x 100 (first month = 100);
--                        null when the first month's median is 0

with

model_prices_monthly as (

    select
        month,
        vendor_id,
        model_id,
        price_type,
        cast(usd_per_mtok as double) as usd_per_mtok
    from {{ ref('int_model_prices_monthly') }}

),

model_prices_with_all as (

    select
        month,
        vendor_id,
        model_id,
        price_type,
        usd_per_mtok
    from model_prices_monthly

    union all

    select
        month,
        'all' as vendor_id,
        concat(vendor_id, '/', model_id) as model_id,
        price_type,
        usd_per_mtok
    from model_prices_monthly

),

monthly_stats as (

    select
        month,
        vendor_id,
        price_type,
        percentile_cont(0.5) within group (order by usd_per_mtok) as median_usd_per_mtok,
        min(usd_per_mtok) as min_usd_per_mtok,
        count(distinct model_id) as n_models
    from model_prices_with_all
    group by
        month,
        vendor_id,
        price_type

),

monthly_stats_based as (

    select
        month,
        vendor_id,
        price_type,
        median_usd_per_mtok,
        min_usd_per_mtok,
        n_models,
        first_value(median_usd_per_mtok) over (
            partition by vendor_id, price_type
            order by month
            rows between unbounded preceding and unbounded following
        ) as base_median_usd_per_mtok
    from monthly_stats

)

select
    cast(month as date) as month,
    cast(vendor_id as string) as vendor_id,
    cast(price_type as string) as price_type,
    cast(median_usd_per_mtok as double) as median_usd_per_mtok,
    cast(min_usd_per_mtok as double) as min_usd_per_mtok,
    cast(n_models as integer) as n_models,
    cast(
        case
            when base_median_usd_per_mtok = 0 then null
            else median_usd_per_mtok / base_median_usd_per_mtok * 100
        end
        as double
    ) as index
from monthly_stats_based
