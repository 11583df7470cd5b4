-- Each vendor's share of each market measure per period and segment (DESIGN §4).
--   share            value / total of the period, measure and segment (periods whose total is 0 are dropped)
--   share_change_pp  (share - previous share) x 100, previous = the calendar-previous period of the same grain,
--                    measure and segment: 0 when the vendor is absent there but the period has data,
--                    null when that period has no data at all (the first period)
--   rank             rank() by value, 1 = largest

with

measure_values as (

    select
        period_grain,
        period_start,
        measure,
        segment,
        vendor_id,
        value
    from {{ ref('int_market_measures_unioned') }}

),

period_totals as (

    select
        period_grain,
        period_start,
        measure,
        segment,
        cast(sum(value) as decimal(38,6)) as total
    from measure_values
    group by
        period_grain,
        period_start,
        measure,
        segment
    having sum(value) <> 0

),

vendor_shares as (

    select
        measure_values.period_grain,
        measure_values.period_start,
        measure_values.measure,
        measure_values.segment,
        measure_values.vendor_id,
        measure_values.value,
        period_totals.total,
        cast(measure_values.value as double) / cast(period_totals.total as double) as share,
        cast(
            {{ dbt.dateadd(
                'month',
                "case when measure_values.period_grain = 'quarter' then -3 else -1 end",
                'measure_values.period_start'
            ) }}
            as date
        ) as previous_period_start
    from measure_values
    inner join period_totals
        on measure_values.period_grain = period_totals.period_grain
        and measure_values.period_start = period_totals.period_start
        and measure_values.measure = period_totals.measure
        and measure_values.segment = period_totals.segment

),

vendor_share_changes as (

    select
        vendor_shares.period_grain,
        vendor_shares.period_start,
        vendor_shares.measure,
        vendor_shares.segment,
        vendor_shares.vendor_id,
        vendor_shares.value,
        vendor_shares.total,
        vendor_shares.share,
        case
            when previous_periods.period_start is null then null
            else (vendor_shares.share - coalesce(previous_shares.share, 0)) * 100
        end as share_change_pp,
        rank() over (
            partition by
                vendor_shares.period_grain,
                vendor_shares.period_start,
                vendor_shares.measure,
                vendor_shares.segment
            order by vendor_shares.value desc
        ) as value_rank
    from vendor_shares
    left join period_totals as previous_periods
        on vendor_shares.period_grain = previous_periods.period_grain
        and vendor_shares.previous_period_start = previous_periods.period_start
        and vendor_shares.measure = previous_periods.measure
        and vendor_shares.segment = previous_periods.segment
    left join vendor_shares as previous_shares
        on vendor_shares.period_grain = previous_shares.period_grain
        and vendor_shares.previous_period_start = previous_shares.period_start
        and vendor_shares.measure = previous_shares.measure
        and vendor_shares.segment = previous_shares.segment
        and vendor_shares.vendor_id = previous_shares.vendor_id

)

select
    cast(period_grain as string) as period_grain,
    cast(period_start as date) as period_start,
    cast(measure as string) as measure,
    cast(segment as string) as segment,
    cast(vendor_id as string) as vendor_id,
    cast(value as decimal(38,6)) as value,
    cast(total as decimal(38,6)) as total,
    cast(share as double) as share,
    cast(share_change_pp as double) as share_change_pp,
    cast(value_rank as integer) as rank
from vendor_share_changes
