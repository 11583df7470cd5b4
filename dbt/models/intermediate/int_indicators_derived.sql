-- The derived sustainability indicators (catalog origin 'derived'), one CTE each, long form like the
-- reported ones: vendor_id, period_start (quarter start), indicator, value, source. Each reads the mart that
-- already defines its measure; nothing is recomputed from raw rows. A vendor gets no row when the value is
-- undefined (no data, or a zero denominator).
--   revenue_growth_qoq      reported revenue_usd(q) / revenue_usd(q − 1) − 1 (previous quarter > 0)
--   revenue_diversity       1 − Σ s², s = the vendor's share of its own panel spend in each segment x industry
--                           cell of the quarter (1 − HHI as a fraction; 0 = all spend in one cell; no row when the
--                           vendor's panel spend of the quarter is 0)
--   net_revenue_retention   fct_retention_summary.nrr_12m of the quarter's last month, segment 'all'
--   blended_price_per_mtok  median over the vendor's models with both an input and an output price at the
--                           quarter's end (int_model_prices_monthly, the quarter's last month) of
--                           (3 x input + 1 x output) / 4, USD per Mtok
--   market_share_spend      fct_market_share share, quarter, measure spend, segment 'all'
--   market_share_revenue    fct_market_share share, quarter, measure revenue, segment 'all'
--   customer_growth_qoq     fct_market_share customers value(q) / value(q − 1) − 1 (quarter, segment 'all';
--                           previous quarter > 0)
--   new_customer_rate       Σ new_customers over the quarter's months / customers_end of its last month
--                           (fct_revenue_movements, segment 'all'; customers_end > 0). New = first-ever
--                           active month with the vendor (reactivations are not new).

with

revenue_reported as (

    select
        vendor_id,
        period_start,
        value
    from {{ ref('int_indicators_deduplicated') }}
    where indicator = 'revenue_usd'
        and value is not null

),

revenue_growth_qoq as (

    select
        revenue_reported.vendor_id,
        revenue_reported.period_start,
        'revenue_growth_qoq' as indicator,
        revenue_reported.value / previous_revenue.value - 1 as value,
        'int_indicators_deduplicated (revenue_usd, this and the previous quarter)' as source
    from revenue_reported
    inner join revenue_reported as previous_revenue
        on revenue_reported.vendor_id = previous_revenue.vendor_id
        and previous_revenue.period_start
        = cast({{ dbt.dateadd('month', -3, 'revenue_reported.period_start') }} as date)
    where previous_revenue.value > 0

),

spend_cells as (

    select
        usage_monthly.vendor_id,
        cast(date_trunc('quarter', usage_monthly.month) as date) as period_start,
        coalesce(accounts.segment, 'unknown') as segment,
        coalesce(accounts.industry, 'unknown') as industry,
        cast(sum(usage_monthly.mrr) as decimal(38,6)) as spend
    from {{ ref('int_usage_monthly') }} as usage_monthly
    left join {{ ref('dim_accounts') }} as accounts
        on usage_monthly.account_id = accounts.account_id
    group by
        usage_monthly.vendor_id,
        cast(date_trunc('quarter', usage_monthly.month) as date),
        coalesce(accounts.segment, 'unknown'),
        coalesce(accounts.industry, 'unknown')

),

spend_totals as (

    select
        vendor_id,
        period_start,
        cast(sum(spend) as decimal(38,6)) as total_spend
    from spend_cells
    group by
        vendor_id,
        period_start

),

spend_cell_shares as (

    select
        spend_cells.vendor_id,
        spend_cells.period_start,
        cast(spend_cells.spend as double) / cast(spend_totals.total_spend as double) as cell_share
    from spend_cells
    inner join spend_totals
        on spend_cells.vendor_id = spend_totals.vendor_id
        and spend_cells.period_start = spend_totals.period_start
    where spend_totals.total_spend > 0

),

revenue_diversity as (

    select
        vendor_id,
        period_start,
        'revenue_diversity' as indicator,
        1 - cast(sum(cast(cell_share * cell_share as decimal(38,18))) as double) as value,
        'int_usage_monthly x dim_accounts (panel spend by segment and industry)' as source
    from spend_cell_shares
    group by
        vendor_id,
        period_start

),

net_revenue_retention as (

    select
        vendor_id,
        cast(date_trunc('quarter', month) as date) as period_start,
        'net_revenue_retention' as indicator,
        nrr_12m as value,
        'fct_retention_summary (nrr_12m, quarter''s last month, segment all)' as source
    from {{ ref('fct_retention_summary') }}
    where segment = 'all'
        and nrr_12m is not null
        and month = cast({{ dbt.dateadd('month', 2, "cast(date_trunc('quarter', month) as date)") }} as date)

),

quarter_end_prices as (

    select
        vendor_id,
        model_id,
        cast(date_trunc('quarter', month) as date) as period_start,
        max(case when price_type = 'input' then cast(usd_per_mtok as double) end) as input_usd_per_mtok,
        max(case when price_type = 'output' then cast(usd_per_mtok as double) end) as output_usd_per_mtok
    from {{ ref('int_model_prices_monthly') }}
    where price_type in ('input', 'output')
        and month = cast({{ dbt.dateadd('month', 2, "cast(date_trunc('quarter', month) as date)") }} as date)
    group by
        vendor_id,
        model_id,
        cast(date_trunc('quarter', month) as date)

),

blended_price_per_mtok as (

    select
        vendor_id,
        period_start,
        'blended_price_per_mtok' as indicator,
        percentile_cont(0.5) within group (
            order by (3 * input_usd_per_mtok + output_usd_per_mtok) / 4
        ) as value,
        'int_model_prices_monthly (fct_model_prices at the quarter''s end)' as source
    from quarter_end_prices
    where input_usd_per_mtok is not null
        and output_usd_per_mtok is not null
    group by
        vendor_id,
        period_start

),

quarter_shares as (

    select
        vendor_id,
        period_start,
        measure,
        value,
        share
    from {{ ref('fct_market_share') }}
    where period_grain = 'quarter'
        and segment = 'all'

),

market_share_spend as (

    select
        vendor_id,
        period_start,
        'market_share_spend' as indicator,
        share as value,
        'fct_market_share (quarter, spend, segment all)' as source
    from quarter_shares
    where measure = 'spend'

),

market_share_revenue as (

    select
        vendor_id,
        period_start,
        'market_share_revenue' as indicator,
        share as value,
        'fct_market_share (quarter, revenue, segment all)' as source
    from quarter_shares
    where measure = 'revenue'

),

customer_growth_qoq as (

    select
        customers.vendor_id,
        customers.period_start,
        'customer_growth_qoq' as indicator,
        cast(customers.value as double) / cast(previous_customers.value as double) - 1 as value,
        'fct_market_share (quarter, customers, segment all; this and the previous quarter)' as source
    from quarter_shares as customers
    inner join quarter_shares as previous_customers
        on customers.vendor_id = previous_customers.vendor_id
        and previous_customers.measure = 'customers'
        and previous_customers.period_start
        = cast({{ dbt.dateadd('month', -3, 'customers.period_start') }} as date)
    where customers.measure = 'customers'
        and previous_customers.value > 0

),

quarter_movements as (

    select
        vendor_id,
        cast(date_trunc('quarter', month) as date) as period_start,
        sum(new_customers) as new_customers,
        sum(
            case
                when month = cast({{ dbt.dateadd('month', 2, "cast(date_trunc('quarter', month) as date)") }} as date)
                    then customers_end
            end
        ) as customers_end
    from {{ ref('fct_revenue_movements') }}
    where segment = 'all'
    group by
        vendor_id,
        cast(date_trunc('quarter', month) as date)

),

new_customer_rate as (

    select
        vendor_id,
        period_start,
        'new_customer_rate' as indicator,
        cast(new_customers as double) / cast(customers_end as double) as value,
        'fct_revenue_movements (segment all: new customers of the quarter / customers at its end)' as source
    from quarter_movements
    where customers_end > 0

),

derived_unioned as (

    select vendor_id, period_start, indicator, value, source from revenue_growth_qoq
    union all
    select vendor_id, period_start, indicator, value, source from revenue_diversity
    union all
    select vendor_id, period_start, indicator, value, source from net_revenue_retention
    union all
    select vendor_id, period_start, indicator, value, source from blended_price_per_mtok
    union all
    select vendor_id, period_start, indicator, value, source from market_share_spend
    union all
    select vendor_id, period_start, indicator, value, source from market_share_revenue
    union all
    select vendor_id, period_start, indicator, value, source from customer_growth_qoq
    union all
    select vendor_id, period_start, indicator, value, source from new_customer_rate

)

select
    cast(vendor_id as string) as vendor_id,
    cast(period_start as date) as period_start,
    cast(indicator as string) as indicator,
    cast(value as double) as value,
    cast(source as string) as source
from derived_unioned
