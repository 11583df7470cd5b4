{#
    Every row satisfies `expression` (a SQL boolean). With a column, the expression continues it:
    `expression: ">= 0"` on column x tests `x >= 0`. Rows where the expression is null fail too.
#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not coalesce(
    {% if column_name is none %}({{ expression }}){% else %}({{ column_name }} {{ expression }}){% endif %},
    false
)

{% endtest %}
