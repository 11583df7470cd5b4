-- The four-dimension sustainability score per vendor and quarter (DESIGN §4), from
-- fct_sustainability_indicators only (every score traces back to those rows):
--   dimension  Σ weight x normalized / Σ weight over the dimension's indicators with a value
--              (weights renormalised over the available ones; null when none, or their weights sum to 0)
--   composite  Σ W_d x dimension_d / Σ W_d over the dimensions present, W_d from the dbt var
--              dimension_weights (dbt_project.yml; default 0.25 each, a dimension missing from the var
--              counts 0.25)
--   rank       rank() by composite within the quarter, 1 = best (ties share a rank)
--   coverage   Σ catalog weight of the indicators with a value / Σ catalog weight of every indicator
-- Sums run over decimal(38,18) terms: exact, so a score never depends on the order rows are summed in
-- (a second refresh of the same data gives bit-identical scores).

{%- set dimensions = ['financial', 'technical', 'market', 'social'] -%}
{%- set dimension_weights = var('dimension_weights', {}) %}

with

indicator_scores as (

    select
        vendor_id,
        quarter,
        dimension,
        normalized,
        weight
    from {{ ref('fct_sustainability_indicators') }}

),

catalog_weight as (

    select sum(cast(weight as decimal(38,18))) as total_weight
    from {{ ref('dim_indicators') }}

),

dimension_weights as (

    {% for dimension in dimensions -%}
    select
        '{{ dimension }}' as dimension,
        cast({{ dimension_weights.get(dimension, 0.25) }} as double) as dimension_weight
    {% if not loop.last %}union all
    {% endif %}
    {%- endfor %}

),

dimension_scores as (

    select
        vendor_id,
        quarter,
        dimension,
        case
            when sum(weight) > 0
                then
                    cast(sum(cast(weight * normalized as decimal(38,18))) as double)
                    / cast(sum(cast(weight as decimal(38,18))) as double)
        end as score,
        sum(cast(weight as decimal(38,18))) as weight_with_data
    from indicator_scores
    group by
        vendor_id,
        quarter,
        dimension

),

composite_scores as (

    select
        dimension_scores.vendor_id,
        dimension_scores.quarter,
        {% for dimension in dimensions -%}
        max(case when dimension_scores.dimension = '{{ dimension }}' then dimension_scores.score end)
            as {{ dimension }},
        {% endfor -%}
        case
            when sum(case when dimension_scores.score is not null then dimension_weights.dimension_weight end) > 0
                then
                    cast(
                        sum(cast(dimension_weights.dimension_weight * dimension_scores.score as decimal(38,18)))
                        as double
                    )
                    / cast(
                        sum(
                            case
                                when dimension_scores.score is not null
                                    then cast(dimension_weights.dimension_weight as decimal(38,18))
                            end
                        )
                        as double
                    )
        end as composite,
        sum(dimension_scores.weight_with_data) as weight_with_data
    from dimension_scores
    inner join dimension_weights
        on dimension_scores.dimension = dimension_weights.dimension
    group by
        dimension_scores.vendor_id,
        dimension_scores.quarter

)

select
    cast(composite_scores.vendor_id as string) as vendor_id,
    cast(composite_scores.quarter as date) as quarter,
    {% for dimension in dimensions -%}
    cast(composite_scores.{{ dimension }} as double) as {{ dimension }},
    {% endfor -%}
    cast(composite_scores.composite as double) as composite,
    cast(
        case
            when composite_scores.composite is not null
                then rank() over (partition by composite_scores.quarter order by composite_scores.composite desc)
        end
        as integer
    ) as rank,
    cast(
        case
            when catalog_weight.total_weight > 0
                then cast(composite_scores.weight_with_data as double) / cast(catalog_weight.total_weight as double)
        end
        as double
    ) as coverage
from composite_scores
cross join catalog_weight
