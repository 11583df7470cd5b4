-- One row per account, vendor and month where the account is active now or was active the month before
-- (DESIGN §4). Active ⇔ mrr > 0; mrr = Σ amount_usd of the month (zero-amount line items count as rows, not as
-- revenue, so a month with only zero amounts is an inactive month).
--   previous_mrr  mrr in the calendar-previous month (0 when inactive then)
--   movement      new           inactive in m−1, never active before
--                 reactivation  inactive in m−1, active in some earlier month (checked before expansion)
--                 expansion     active in m−1, mrr rises
--                 contraction   active in m−1, mrr falls but stays > 0
--                 flat          active in m−1, same mrr
--                 churn         active in m−1, mrr = 0 now
-- The calendar runs to the last month of usage data in the warehouse (all vendors): an account's last active
-- month is followed by a churn row when that month exists, even when the vendor itself has no later data.
-- Inactive months after a churn are not rows (the mrr there is 0).

with

usage_monthly as (

    select
        account_id,
        vendor_id,
        month,
        mrr
    from {{ ref('int_usage_monthly') }}

),

accounts as (

    select
        account_id,
        segment
    from {{ ref('dim_accounts') }}

),

calendar_end as (

    select max(month) as last_month
    from usage_monthly

),

active_months as (

    select
        account_id,
        vendor_id,
        month,
        mrr,
        cast({{ dbt.dateadd('month', -1, 'month') }} as date) as previous_month,
        cast({{ dbt.dateadd('month', 1, 'month') }} as date) as next_month,
        lag(month) over (partition by account_id, vendor_id order by month) as previous_active_month,
        lag(mrr) over (partition by account_id, vendor_id order by month) as previous_active_mrr,
        lead(month) over (partition by account_id, vendor_id order by month) as next_active_month
    from usage_monthly
    where mrr > 0

),

active_rows as (

    select
        account_id,
        vendor_id,
        month,
        mrr,
        case
            when previous_active_month = previous_month then previous_active_mrr
            else cast(0 as decimal(38,6))
        end as previous_mrr,
        case
            when previous_active_month is null then 'new'
            when previous_active_month < previous_month then 'reactivation'
            when mrr > previous_active_mrr then 'expansion'
            when mrr < previous_active_mrr then 'contraction'
            else 'flat'
        end as movement
    from active_months

),

churn_rows as (

    select
        active_months.account_id,
        active_months.vendor_id,
        active_months.next_month as month,
        cast(0 as decimal(38,6)) as mrr,
        active_months.mrr as previous_mrr,
        'churn' as movement
    from active_months
    cross join calendar_end
    where
        (active_months.next_active_month is null or active_months.next_active_month > active_months.next_month)
        and active_months.next_month <= calendar_end.last_month

),

account_months as (

    select account_id, vendor_id, month, mrr, previous_mrr, movement
    from active_rows

    union all

    select account_id, vendor_id, month, mrr, previous_mrr, movement
    from churn_rows

)

select
    cast(account_months.account_id as string) as account_id,
    cast(account_months.vendor_id as string) as vendor_id,
    cast(coalesce(accounts.segment, 'unknown') as string) as segment,
    cast(account_months.month as date) as month,
    cast(account_months.mrr as decimal(38,6)) as mrr,
    cast(account_months.previous_mrr as decimal(38,6)) as previous_mrr,
    cast(account_months.movement as string) as movement
from account_months
left join accounts
    on account_months.account_id = accounts.account_id
