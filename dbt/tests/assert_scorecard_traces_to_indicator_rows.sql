{{ config(meta={'dagster': {'ref': {'name': 'fct_sustainability_scorecard'}}}) }}

-- Every scorecard row has indicator rows, and its coverage is their catalog weight / the whole catalog's:
-- a score cannot exist without the rows it is computed from.

with

indicator_weights as (

    select
        vendor_id,
        quarter,
        sum(weight) as weight_with_data
    from {{ ref('fct_sustainability_indicators') }}
    group by
        vendor_id,
        quarter

),

catalog_weight as (

    select sum(weight) as total_weight
    from {{ ref('dim_indicators') }}

)

select
    scorecard.vendor_id,
    scorecard.quarter,
    scorecard.coverage,
    indicator_weights.weight_with_data
from {{ ref('fct_sustainability_scorecard') }} as scorecard
cross join catalog_weight
left join indicator_weights
    on scorecard.vendor_id = indicator_weights.vendor_id
    and scorecard.quarter = indicator_weights.quarter
where indicator_weights.vendor_id is null
    or abs(scorecard.coverage - indicator_weights.weight_with_data / catalog_weight.total_weight) > 1e-9
