{#- Per group of `group_by` columns, the column sums to 1 within `tolerance` (shares of one market). -#}
{% test sums_to_one(model, column_name, group_by, tolerance=1e-9) %}

with group_sums as (

    select
        {% for column in group_by %}{{ column }},
        {% endfor %}sum(cast({{ column_name }} as double)) as column_sum
    from {{ model }}
    group by {% for column in group_by %}{{ column }}{% if not loop.last %}, {% endif %}{% endfor %}

)

select *
from group_sums
where column_sum is null or abs(column_sum - 1) > {{ tolerance }}

{% endtest %}
