-- fct_revenue_movements: every month's mrr_start and customers_start equal the previous month's mrr_end and
-- customers_end of the same vendor and segment (0 in the vendor-segment's first month), so the waterfall
-- of consecutive months joins up without gaps.

with

movements as (

    select
        vendor_id,
        segment,
        month,
        mrr_start,
        mrr_end,
        customers_start,
        customers_end,
        lag(month) over (partition by vendor_id, segment order by month) as previous_month,
        lag(mrr_end) over (partition by vendor_id, segment order by month) as previous_mrr_end,
        lag(customers_end) over (partition by vendor_id, segment order by month) as previous_customers_end
    from {{ ref('fct_revenue_movements') }}

)

select *
from movements
where
    (previous_month is null and (mrr_start <> 0 or customers_start <> 0))
    or (previous_month is not null and previous_month <> cast({{ dbt.dateadd('month', -1, 'month') }} as date))
    or (previous_month is not null and (mrr_start <> previous_mrr_end or customers_start <> previous_customers_end))
