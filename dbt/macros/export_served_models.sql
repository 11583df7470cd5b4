{#
    Serving stays DuckDB (DESIGN §9). Run as `on-run-end` (dbt_project.yml): on engines other than DuckDB, every
    model of the served schemas (marts, audit) that this run built is written as Parquet to
    <var export_dir>/<schema>.<model>/, which orchestration/spark_serving.py loads into the DuckDB build file
    before the quality gates and publish. On DuckDB the models already are in the served file: nothing to do.
#}
{% macro export_served_models(results) %}
    {{ return(adapter.dispatch('export_served_models', 'modelmarket')(results)) }}
{% endmacro %}


{% macro default__export_served_models(results) %}
    {{ return('') }}
{% endmacro %}


{% macro spark__export_served_models(results) %}
    {%- if execute -%}
        {%- set export_dir = var('export_dir', none) -%}
        {%- if export_dir is none -%}
            {{ exceptions.raise_compiler_error("var 'export_dir' is required on " ~ adapter.type()) }}
        {%- endif -%}
        {%- for result in results
            if result.node.resource_type == 'model' and result.status == 'success'
            and result.node.schema in ('marts', 'audit') -%}
            {%- set node = result.node -%}
            {%- set folder = export_dir ~ '/' ~ node.schema ~ '.' ~ node.alias -%}
            {%- do run_query(
                "insert overwrite directory " ~ modelmarket.sql_string(folder) ~ " using parquet"
                ~ " select * from " ~ node.schema ~ "." ~ node.alias
            ) -%}
            {%- do log("exported " ~ node.schema ~ "." ~ node.alias ~ " to " ~ folder, info=false) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
