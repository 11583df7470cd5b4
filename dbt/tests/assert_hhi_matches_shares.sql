{{ config(meta={'dagster': {'ref': {'name': 'fct_market_concentration'}}}) }}

-- fct_market_concentration.hhi = Σ (share x 100)² recomputed from fct_market_share, for exactly the same
-- markets (period grain, period, measure, segment) on both sides.

with

hhi_from_shares as (

    select
        period_grain,
        period_start,
        measure,
        segment,
        sum(share * 100 * share * 100) as hhi
    from {{ ref('fct_market_share') }}
    group by
        period_grain,
        period_start,
        measure,
        segment

),

concentration as (

    select
        period_grain,
        period_start,
        measure,
        segment,
        hhi
    from {{ ref('fct_market_concentration') }}

)

select
    coalesce(concentration.period_grain, hhi_from_shares.period_grain) as period_grain,
    coalesce(concentration.period_start, hhi_from_shares.period_start) as period_start,
    coalesce(concentration.measure, hhi_from_shares.measure) as measure,
    coalesce(concentration.segment, hhi_from_shares.segment) as segment,
    concentration.hhi as hhi_reported,
    hhi_from_shares.hhi as hhi_recomputed
from concentration
full outer join hhi_from_shares
    on concentration.period_grain = hhi_from_shares.period_grain
    and concentration.period_start = hhi_from_shares.period_start
    and concentration.measure = hhi_from_shares.measure
    and concentration.segment = hhi_from_shares.segment
where
    concentration.hhi is null
    or hhi_from_shares.hhi is null
    or abs(concentration.hhi - hhi_from_shares.hhi) > 1e-6
