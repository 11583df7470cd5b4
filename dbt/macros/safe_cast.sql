{#-
    dbt.safe_cast (used by unit-test fixtures, and for any cast that may fail) is `try_cast` on DuckDB as it is on
    Spark: a value that does not convert becomes null on both engines instead of failing on one of them.
-#}
{% macro duckdb__safe_cast(field, type) %}
    try_cast({{ field }} as {{ type }})
{% endmacro %}
