-- Every vendor's value of every market measure per period (grain month|quarter) and segment, long form:
-- the input of fct_market_share. A vendor has a row when it has data for the measure in the period:
--   revenue    reported revenue_usd (int_indicators_deduplicated); quarter grain, segment 'all' only
--   spend      Σ amount_usd of the panel
--   customers  accounts with spend > 0 in the period (month: mrr > 0; quarter: Σ spend of the quarter > 0);
--              a vendor whose rows all have zero amounts has data, with 0 customers
--   tokens     Σ tokens_input + tokens_output (nulls as 0)
-- Panel measures exist at month and quarter grain, for segment 'all' and every account segment.

with

usage_monthly as (

    select
        account_id,
        vendor_id,
        month,
        mrr,
        tokens
    from {{ ref('int_usage_monthly') }}

),

accounts as (

    select
        account_id,
        segment
    from {{ ref('int_accounts_deduplicated') }}

),

revenue_reported as (

    select
        vendor_id,
        period_start,
        value
    from {{ ref('int_indicators_deduplicated') }}
    where indicator = 'revenue_usd'

),

usage_segmented as (

    select
        usage_monthly.account_id,
        usage_monthly.vendor_id,
        usage_monthly.month,
        coalesce(accounts.segment, 'unknown') as segment,
        usage_monthly.mrr,
        usage_monthly.tokens
    from usage_monthly
    left join accounts
        on usage_monthly.account_id = accounts.account_id

),

-- one row per account, vendor and period of either grain
account_periods as (

    select
        'month' as period_grain,
        month as period_start,
        segment,
        account_id,
        vendor_id,
        cast(mrr as decimal(38,6)) as spend,
        cast(tokens as decimal(38,0)) as tokens
    from usage_segmented

    union all

    select
        'quarter' as period_grain,
        cast(date_trunc('quarter', month) as date) as period_start,
        segment,
        account_id,
        vendor_id,
        cast(sum(mrr) as decimal(38,6)) as spend,
        cast(sum(tokens) as decimal(38,0)) as tokens
    from usage_segmented
    group by
        cast(date_trunc('quarter', month) as date),
        segment,
        account_id,
        vendor_id

),

account_periods_with_all as (

    select
        period_grain,
        period_start,
        segment,
        account_id,
        vendor_id,
        spend,
        tokens
    from account_periods

    union all

    select
        period_grain,
        period_start,
        'all' as segment,
        account_id,
        vendor_id,
        spend,
        tokens
    from account_periods

),

panel_vendor_periods as (

    select
        period_grain,
        period_start,
        segment,
        vendor_id,
        cast(sum(spend) as decimal(38,6)) as spend,
        cast(sum(case when spend > 0 then 1 else 0 end) as decimal(38,6)) as customers,
        cast(sum(tokens) as decimal(38,6)) as tokens
    from account_periods_with_all
    group by
        period_grain,
        period_start,
        segment,
        vendor_id

),

measures_unioned as (

    select
        'quarter' as period_grain,
        cast(date_trunc('quarter', period_start) as date) as period_start,
        'revenue' as measure,
        'all' as segment,
        vendor_id,
        cast(value as decimal(38,6)) as value
    from revenue_reported

    union all

    select
        period_grain,
        period_start,
        'spend' as measure,
        segment,
        vendor_id,
        spend as value
    from panel_vendor_periods

    union all

    select
        period_grain,
        period_start,
        'customers' as measure,
        segment,
        vendor_id,
        customers as value
    from panel_vendor_periods

    union all

    select
        period_grain,
        period_start,
        'tokens' as measure,
        segment,
        vendor_id,
        tokens as value
    from panel_vendor_periods

)

select
    cast(period_grain as string) as period_grain,
    cast(period_start as date) as period_start,
    cast(measure as string) as measure,
    cast(segment as string) as segment,
    vendor_id,
    cast(value as decimal(38,6)) as value
from measures_unioned
