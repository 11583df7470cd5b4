{{ config(meta={'dagster': {'ref': {'name': 'fct_price_index'}}}) }}

-- The first month of every price-index series (vendor, price type) has index 100 (unless its median is 0).

with

series_starts as (

    select
        vendor_id,
        price_type,
        min(month) as first_month
    from {{ ref('fct_price_index') }}
    group by
        vendor_id,
        price_type

)

select price_index.*
from {{ ref('fct_price_index') }} as price_index
inner join series_starts
    on price_index.vendor_id = series_starts.vendor_id
    and price_index.price_type = series_starts.price_type
    and price_index.month = series_starts.first_month
where price_index.median_usd_per_mtok <> 0
    and abs(price_index.index - 100) > 1e-9
