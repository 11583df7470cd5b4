-- Vendor switching per churn month, segment ('all' and each account segment) and pair of vendors (DESIGN §4):
-- an account that churned from from_vendor in month m (active in m−1, mrr 0 in m) and started with to_vendor
-- (movement new or reactivation) in month m or m+1.
--   accounts   distinct accounts making that switch
--   mrr_moved  Σ of the churned vendor's previous_mrr (the account's mrr with from_vendor in m−1): the revenue
--              that left from_vendor. An account that starts with two other vendors counts in both flows, so
--              mrr_moved summed over to_vendor can exceed the churned mrr.
-- month is the churn month. A start in m+1 beyond the last month of data is not known yet.

with

account_months as (

    select
        account_id,
        vendor_id,
        segment,
        month,
        previous_mrr,
        movement
    from {{ ref('fct_account_vendor_months') }}
    where movement in ('churn', 'new', 'reactivation')

),

churns as (

    select
        account_id,
        vendor_id,
        segment,
        month,
        previous_mrr
    from account_months
    where movement = 'churn'

),

starts as (

    select
        account_id,
        vendor_id,
        month
    from account_months
    where movement in ('new', 'reactivation')

),

switches as (

    select
        churns.month,
        churns.segment,
        churns.vendor_id as from_vendor,
        starts.vendor_id as to_vendor,
        churns.account_id,
        churns.previous_mrr
    from churns
    inner join starts
        on churns.account_id = starts.account_id
        and churns.vendor_id <> starts.vendor_id
        and (
            starts.month = churns.month
            or starts.month = cast({{ dbt.dateadd('month', 1, 'churns.month') }} as date)
        )

),

switches_segmented as (

    select month, segment, from_vendor, to_vendor, account_id, previous_mrr
    from switches

    union all

    select month, 'all' as segment, from_vendor, to_vendor, account_id, previous_mrr
    from switches

)

select
    cast(month as date) as month,
    cast(segment as string) as segment,
    cast(from_vendor as string) as from_vendor,
    cast(to_vendor as string) as to_vendor,
    cast(count(distinct account_id) as bigint) as accounts,
    cast(sum(previous_mrr) as decimal(38,6)) as mrr_moved
from switches_segmented
group by
    month,
    segment,
    from_vendor,
    to_vendor
