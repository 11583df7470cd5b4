{{ config(meta={'dagster': {'ref': {'name': 'fct_market_concentration'}}}) }}

-- fct_market_concentration.cr4 = the sum of the 4 largest shares of fct_market_share (ties do not matter:
-- equal shares add up to the same sum whichever of them is taken).

with

shares_ordered as (

    select
        period_grain,
        period_start,
        measure,
        segment,
        share,
        row_number() over (
            partition by period_grain, period_start, measure, segment
            order by share desc
        ) as share_position
    from {{ ref('fct_market_share') }}

),

cr4_from_shares as (

    select
        period_grain,
        period_start,
        measure,
        segment,
        sum(share) as cr4
    from shares_ordered
    where share_position <= 4
    group by
        period_grain,
        period_start,
        measure,
        segment

)

select
    concentration.period_grain,
    concentration.period_start,
    concentration.measure,
    concentration.segment,
    concentration.cr4 as cr4_reported,
    cr4_from_shares.cr4 as cr4_recomputed
from {{ ref('fct_market_concentration') }} as concentration
left join cr4_from_shares
    on concentration.period_grain = cr4_from_shares.period_grain
    and concentration.period_start = cr4_from_shares.period_start
    and concentration.measure = cr4_from_shares.measure
    and concentration.segment = cr4_from_shares.segment
where cr4_from_shares.cr4 is null or abs(concentration.cr4 - cr4_from_shares.cr4) > 1e-9
