-- Market concentration per period, measure and segment, from fct_market_share (DESIGN §4):
--   n_vendors  vendors with a value > 0
--   hhi        Σ (share x 100)², 0..10,000
--   cr4        sum of the 4 largest shares
--   level      2023 US DOJ/FTC merger guidelines: unconcentrated (< 1,000),
--              moderately concentrated (1,000 to 1,800 inclusive), highly concentrated (> 1,800);
--              compared at 6 decimals so floating-point noise never moves a market across a threshold

with

market_shares as (

    select
        period_grain,
        period_start,
        measure,
        segment,
        vendor_id,
        value,
        share
    from {{ ref('fct_market_share') }}

),

market_shares_ordered as (

    select
        period_grain,
        period_start,
        measure,
        segment,
        vendor_id,
        value,
        share,
        row_number() over (
            partition by period_grain, period_start, measure, segment
            order by share desc, vendor_id
        ) as share_position
    from market_shares

),

concentration as (

    select
        period_grain,
        period_start,
        measure,
        segment,
        sum(case when value > 0 then 1 else 0 end) as n_vendors,
        sum(power(share * 100, 2)) as hhi,
        sum(case when share_position <= 4 then share else 0 end) as cr4
    from market_shares_ordered
    group by
        period_grain,
        period_start,
        measure,
        segment

)

select
    cast(period_grain as string) as period_grain,
    cast(period_start as date) as period_start,
    cast(measure as string) as measure,
    cast(segment as string) as segment,
    cast(n_vendors as integer) as n_vendors,
    cast(hhi as double) as hhi,
    cast(cr4 as double) as cr4,
    cast(
        case
            when round(hhi, 6) < 1000 then 'unconcentrated'
            when round(hhi, 6) <= 1800 then 'moderately concentrated'
            else 'highly concentrated'
        end
        as string
    ) as level
from concentration
