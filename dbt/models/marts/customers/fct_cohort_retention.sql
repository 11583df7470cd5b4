-- Cohort retention per vendor, segment ('all' and each account segment), cohort month and months since
-- (DESIGN §4). The cohort of an account with a vendor is its first active month with that vendor (mrr > 0);
-- a reactivated account stays in its first cohort. Every cohort has a row for every month from its cohort month
-- to the last month of usage data in the warehouse (a dense triangle for heatmaps).
--   cohort_size        accounts of the cohort
--   active_customers   cohort accounts active (mrr > 0) in month cohort_month + months_since
--   logo_retention     active_customers / cohort_size                  (1 at months_since 0)
--   mrr                Σ mrr of the cohort's accounts in that month
--   revenue_retention  mrr / the cohort's mrr at months_since 0         (1 at months_since 0)

with

usage_monthly as (

    select
        account_id,
        vendor_id,
        month,
        mrr
    from {{ ref('int_usage_monthly') }}
    where mrr > 0

),

accounts as (

    select
        account_id,
        segment
    from {{ ref('dim_accounts') }}

),

calendar as (

    select month
    from {{ ref('int_usage_months_enumerated') }}

),

account_cohorts as (

    select
        account_id,
        vendor_id,
        min(month) as cohort_month
    from usage_monthly
    group by
        account_id,
        vendor_id

),

cohort_activity as (

    select
        account_cohorts.vendor_id,
        coalesce(accounts.segment, 'unknown') as segment,
        account_cohorts.cohort_month,
        usage_monthly.month,
        usage_monthly.mrr
    from account_cohorts
    inner join usage_monthly
        on account_cohorts.account_id = usage_monthly.account_id
        and account_cohorts.vendor_id = usage_monthly.vendor_id
    left join accounts
        on account_cohorts.account_id = accounts.account_id

),

cohort_activity_segmented as (

    select vendor_id, segment, cohort_month, month, mrr
    from cohort_activity

    union all

    select vendor_id, 'all' as segment, cohort_month, month, mrr
    from cohort_activity

),

cohort_months as (

    select
        vendor_id,
        segment,
        cohort_month,
        month,
        cast(count(*) as bigint) as active_customers,
        cast(sum(mrr) as decimal(38,6)) as mrr
    from cohort_activity_segmented
    group by
        vendor_id,
        segment,
        cohort_month,
        month

),

cohorts as (

    select
        vendor_id,
        segment,
        cohort_month,
        active_customers as cohort_size,
        mrr as cohort_mrr
    from cohort_months
    where month = cohort_month

),

cohort_calendar as (

    select
        cohorts.vendor_id,
        cohorts.segment,
        cohorts.cohort_month,
        calendar.month,
        cohorts.cohort_size,
        cohorts.cohort_mrr
    from cohorts
    inner join calendar
        on calendar.month >= cohorts.cohort_month

)

select
    cast(cohort_calendar.vendor_id as string) as vendor_id,
    cast(cohort_calendar.segment as string) as segment,
    cast(cohort_calendar.cohort_month as date) as cohort_month,
    cast({{ dbt.datediff('cohort_calendar.cohort_month', 'cohort_calendar.month', 'month') }} as integer) as months_since,
    cast(cohort_calendar.month as date) as month,
    cast(cohort_calendar.cohort_size as bigint) as cohort_size,
    cast(coalesce(cohort_months.active_customers, 0) as bigint) as active_customers,
    cast(
        cast(coalesce(cohort_months.active_customers, 0) as double) / cast(cohort_calendar.cohort_size as double)
        as double
    ) as logo_retention,
    cast(coalesce(cohort_months.mrr, 0) as decimal(38,6)) as mrr,
    cast(
        cast(coalesce(cohort_months.mrr, 0) as double) / cast(cohort_calendar.cohort_mrr as double)
        as double
    ) as revenue_retention
from cohort_calendar
left join cohort_months
    on cohort_calendar.vendor_id = cohort_months.vendor_id
    and cohort_calendar.segment = cohort_months.segment
    and cohort_calendar.cohort_month = cohort_months.cohort_month
    and cohort_calendar.month = cohort_months.month
