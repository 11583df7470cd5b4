{#- No two rows share the same values of `combination_of_columns` (a compound key). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

select
    {% for column in combination_of_columns %}{{ column }},
    {% endfor %}count(*) as row_count
from {{ model }}
group by {% for column in combination_of_columns %}{{ column }}{% if not loop.last %}, {% endif %}{% endfor %}
having count(*) > 1

{% endtest %}
