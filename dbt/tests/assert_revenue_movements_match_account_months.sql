{{ config(meta={'dagster': {'ref': {'name': 'fct_revenue_movements'}}}) }}

-- fct_revenue_movements (segment 'all') = the sums of fct_account_vendor_months per vendor and month, and the
-- segments of a vendor-month add up to its 'all' row, for every amount and count.

with

account_month_sums as (

    select
        vendor_id,
        month,
        sum(mrr) as mrr_end,
        sum(previous_mrr) as mrr_start,
        sum(case when movement = 'churn' then previous_mrr else 0 end) as churned_mrr,
        sum(case when mrr > 0 then 1 else 0 end) as customers_end
    from {{ ref('fct_account_vendor_months') }}
    group by
        vendor_id,
        month

),

segment_sums as (

    select
        vendor_id,
        month,
        sum(mrr_end) as mrr_end,
        sum(mrr_start) as mrr_start,
        sum(churned_mrr) as churned_mrr,
        sum(customers_end) as customers_end
    from {{ ref('fct_revenue_movements') }}
    where segment <> 'all'
    group by
        vendor_id,
        month

),

all_rows as (

    select
        vendor_id,
        month,
        mrr_end,
        mrr_start,
        churned_mrr,
        customers_end
    from {{ ref('fct_revenue_movements') }}
    where segment = 'all'

)

select
    all_rows.vendor_id,
    all_rows.month,
    all_rows.mrr_end,
    account_month_sums.mrr_end as account_mrr_end,
    segment_sums.mrr_end as segment_mrr_end
from all_rows
left join account_month_sums
    on all_rows.vendor_id = account_month_sums.vendor_id
    and all_rows.month = account_month_sums.month
left join segment_sums
    on all_rows.vendor_id = segment_sums.vendor_id
    and all_rows.month = segment_sums.month
where
    all_rows.mrr_end <> coalesce(account_month_sums.mrr_end, 0)
    or all_rows.mrr_start <> coalesce(account_month_sums.mrr_start, 0)
    or all_rows.churned_mrr <> coalesce(account_month_sums.churned_mrr, 0)
    or all_rows.customers_end <> coalesce(account_month_sums.customers_end, 0)
    or all_rows.mrr_end <> coalesce(segment_sums.mrr_end, 0)
    or all_rows.mrr_start <> coalesce(segment_sums.mrr_start, 0)
    or all_rows.customers_end <> coalesce(segment_sums.customers_end, 0)
