{#
    Schemas are exactly the names configured per folder (raw, staging, intermediate, marts, audit), not dbt's
    default <target schema>_<custom schema>: analysts query `marts.fct_market_share` in every environment.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
