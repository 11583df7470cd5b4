-- Revenue and logo retention per vendor, segment and month (DESIGN §4); same rows as fct_revenue_movements.
--   nrr_1m   Σ_{accounts active in m−1} mrr(m) / Σ mrr(m−1)
--   grr_1m   Σ_{accounts active in m−1} least(mrr(m), mrr(m−1)) / Σ mrr(m−1)          (0..1)
--   nrr_12m  Σ_{accounts active in m−12} mrr(m) / Σ mrr(m−12)
--   grr_12m  Σ_{accounts active in m−12} least(mrr(m), mrr(m−12)) / Σ mrr(m−12)       (0..1)
--   logo_churn_rate    churned_customers / customers_start
--   new_customer_rate  new_customers / customers_end
-- Every ratio is null when its denominator is 0 (no revenue in m−1 or m−12, which includes months before the
-- vendor-segment's first month). Reactivations and new accounts never enter NRR/GRR: only the base's accounts.

with

movements as (

    select
        vendor_id,
        segment,
        month,
        customers_start,
        new_customers,
        churned_customers,
        customers_end
    from {{ ref('fct_revenue_movements') }}

),

account_months as (

    select
        vendor_id,
        segment,
        month,
        mrr,
        previous_mrr
    from {{ ref('fct_account_vendor_months') }}
    where previous_mrr > 0

),

account_months_segmented as (

    select vendor_id, segment, month, mrr, previous_mrr
    from account_months

    union all

    select vendor_id, 'all' as segment, month, mrr, previous_mrr
    from account_months

),

retention_1m as (

    select
        vendor_id,
        segment,
        month,
        cast(sum(previous_mrr) as decimal(38,6)) as base_mrr,
        cast(sum(mrr) as decimal(38,6)) as retained_mrr,
        cast(sum(least(mrr, previous_mrr)) as decimal(38,6)) as kept_mrr
    from account_months_segmented
    group by
        vendor_id,
        segment,
        month

),

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

calendar_end as (

    select max(month) as last_month
    from {{ ref('int_usage_months_enumerated') }}

),

-- every account active in month b, with its mrr 12 months later (0 when inactive then)
year_later as (

    select
        base_months.vendor_id,
        coalesce(accounts.segment, 'unknown') as segment,
        cast({{ dbt.dateadd('month', 12, 'base_months.month') }} as date) as month,
        base_months.mrr as base_mrr,
        coalesce(later_months.mrr, cast(0 as decimal(38,6))) as mrr
    from usage_monthly as base_months
    left join usage_monthly as later_months
        on base_months.account_id = later_months.account_id
        and base_months.vendor_id = later_months.vendor_id
        and later_months.month = cast({{ dbt.dateadd('month', 12, 'base_months.month') }} as date)
    left join accounts
        on base_months.account_id = accounts.account_id

),

year_later_segmented as (

    select vendor_id, segment, month, base_mrr, mrr
    from year_later

    union all

    select vendor_id, 'all' as segment, month, base_mrr, mrr
    from year_later

),

retention_12m as (

    select
        year_later_segmented.vendor_id,
        year_later_segmented.segment,
        year_later_segmented.month,
        cast(sum(year_later_segmented.base_mrr) as decimal(38,6)) as base_mrr,
        cast(sum(year_later_segmented.mrr) as decimal(38,6)) as retained_mrr,
        cast(sum(least(year_later_segmented.mrr, year_later_segmented.base_mrr)) as decimal(38,6)) as kept_mrr
    from year_later_segmented
    cross join calendar_end
    where year_later_segmented.month <= calendar_end.last_month
    group by
        year_later_segmented.vendor_id,
        year_later_segmented.segment,
        year_later_segmented.month

)

select
    cast(movements.vendor_id as string) as vendor_id,
    cast(movements.segment as string) as segment,
    cast(movements.month as date) as month,
    cast(
        case when retention_1m.base_mrr > 0 then cast(retention_1m.retained_mrr as double) / cast(retention_1m.base_mrr as double) end
        as double
    ) as nrr_1m,
    cast(
        case when retention_1m.base_mrr > 0 then cast(retention_1m.kept_mrr as double) / cast(retention_1m.base_mrr as double) end
        as double
    ) as grr_1m,
    cast(
        case when retention_12m.base_mrr > 0 then cast(retention_12m.retained_mrr as double) / cast(retention_12m.base_mrr as double) end
        as double
    ) as nrr_12m,
    cast(
        case when retention_12m.base_mrr > 0 then cast(retention_12m.kept_mrr as double) / cast(retention_12m.base_mrr as double) end
        as double
    ) as grr_12m,
    cast(
        case when movements.customers_start > 0 then cast(movements.churned_customers as double) / cast(movements.customers_start as double) end
        as double
    ) as logo_churn_rate,
    cast(
        case when movements.customers_end > 0 then cast(movements.new_customers as double) / cast(movements.customers_end as double) end
        as double
    ) as new_customer_rate,
    cast(coalesce(retention_1m.base_mrr, 0) as decimal(38,6)) as mrr_base_1m,
    cast(coalesce(retention_12m.base_mrr, 0) as decimal(38,6)) as mrr_base_12m
from movements
left join retention_1m
    on movements.vendor_id = retention_1m.vendor_id
    and movements.segment = retention_1m.segment
    and movements.month = retention_1m.month
left join retention_12m
    on movements.vendor_id = retention_12m.vendor_id
    and movements.segment = retention_12m.segment
    and movements.month = retention_12m.month
