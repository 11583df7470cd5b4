-- MRR movements per vendor, segment ('all' and each account segment) and month, from fct_account_vendor_months
-- (DESIGN §4). A vendor-segment has a row for every month from its first month of usage data (any row, zero
-- amounts included) to the last month of usage data in the warehouse; months without movements have zeros.
--   mrr_start          Σ previous_mrr (= mrr_end of the previous month)
--   new_mrr            Σ mrr of new accounts
--   reactivation_mrr   Σ mrr of reactivated accounts
--   expansion_mrr      Σ (mrr − previous_mrr) of expanding accounts
--   contraction_mrr    Σ (previous_mrr − mrr) of contracting accounts (positive)
--   churned_mrr        Σ previous_mrr of churned accounts (positive)
--   mrr_end            Σ mrr
-- Identity (tested): mrr_end = mrr_start + new + reactivation + expansion − contraction − churned, exactly
-- (decimal arithmetic); customers_end = customers_start + new + reactivated − churned.

with

account_months as (

    select
        account_id,
        vendor_id,
        segment,
        month,
        mrr,
        previous_mrr,
        movement
    from {{ ref('fct_account_vendor_months') }}

),

account_months_segmented as (

    select vendor_id, segment, month, mrr, previous_mrr, movement
    from account_months

    union all

    select vendor_id, 'all' as segment, month, mrr, previous_mrr, movement
    from account_months

),

usage_monthly as (

    select
        account_id,
        vendor_id,
        month
    from {{ ref('int_usage_monthly') }}

),

accounts as (

    select
        account_id,
        segment
    from {{ ref('dim_accounts') }}

),

usage_segmented as (

    select
        usage_monthly.vendor_id,
        coalesce(accounts.segment, 'unknown') as segment,
        usage_monthly.month
    from usage_monthly
    left join accounts
        on usage_monthly.account_id = accounts.account_id

),

vendor_segment_first_months as (

    select
        vendor_id,
        segment,
        min(month) as first_month
    from usage_segmented
    group by
        vendor_id,
        segment

    union all

    select
        vendor_id,
        'all' as segment,
        min(month) as first_month
    from usage_segmented
    group by vendor_id

),

calendar as (

    select month
    from {{ ref('int_usage_months_enumerated') }}

),

vendor_segment_months as (

    select
        vendor_segment_first_months.vendor_id,
        vendor_segment_first_months.segment,
        calendar.month
    from vendor_segment_first_months
    inner join calendar
        on calendar.month >= vendor_segment_first_months.first_month

),

movements as (

    select
        vendor_id,
        segment,
        month,
        cast(sum(previous_mrr) as decimal(38,6)) as mrr_start,
        cast(sum(case when movement = 'new' then mrr else 0 end) as decimal(38,6)) as new_mrr,
        cast(sum(case when movement = 'reactivation' then mrr else 0 end) as decimal(38,6)) as reactivation_mrr,
        cast(sum(case when movement = 'expansion' then mrr - previous_mrr else 0 end) as decimal(38,6))
            as expansion_mrr,
        cast(sum(case when movement = 'contraction' then previous_mrr - mrr else 0 end) as decimal(38,6))
            as contraction_mrr,
        cast(sum(case when movement = 'churn' then previous_mrr else 0 end) as decimal(38,6)) as churned_mrr,
        cast(sum(mrr) as decimal(38,6)) as mrr_end,
        cast(sum(case when previous_mrr > 0 then 1 else 0 end) as bigint) as customers_start,
        cast(sum(case when movement = 'new' then 1 else 0 end) as bigint) as new_customers,
        cast(sum(case when movement = 'reactivation' then 1 else 0 end) as bigint) as reactivated_customers,
        cast(sum(case when movement = 'churn' then 1 else 0 end) as bigint) as churned_customers,
        cast(sum(case when mrr > 0 then 1 else 0 end) as bigint) as customers_end
    from account_months_segmented
    group by
        vendor_id,
        segment,
        month

)

select
    cast(vendor_segment_months.vendor_id as string) as vendor_id,
    cast(vendor_segment_months.segment as string) as segment,
    cast(vendor_segment_months.month as date) as month,
    cast(coalesce(movements.mrr_start, 0) as decimal(38,6)) as mrr_start,
    cast(coalesce(movements.new_mrr, 0) as decimal(38,6)) as new_mrr,
    cast(coalesce(movements.reactivation_mrr, 0) as decimal(38,6)) as reactivation_mrr,
    cast(coalesce(movements.expansion_mrr, 0) as decimal(38,6)) as expansion_mrr,
    cast(coalesce(movements.contraction_mrr, 0) as decimal(38,6)) as contraction_mrr,
    cast(coalesce(movements.churned_mrr, 0) as decimal(38,6)) as churned_mrr,
    cast(coalesce(movements.mrr_end, 0) as decimal(38,6)) as mrr_end,
    cast(coalesce(movements.customers_start, 0) as bigint) as customers_start,
    cast(coalesce(movements.new_customers, 0) as bigint) as new_customers,
    cast(coalesce(movements.reactivated_customers, 0) as bigint) as reactivated_customers,
    cast(coalesce(movements.churned_customers, 0) as bigint) as churned_customers,
    cast(coalesce(movements.customers_end, 0) as bigint) as customers_end
from vendor_segment_months
left join movements
    on vendor_segment_months.vendor_id = movements.vendor_id
    and vendor_segment_months.segment = movements.segment
    and vendor_segment_months.month = movements.month
