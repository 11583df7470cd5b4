{#
    Post-hook of the incremental int_usage_files_aggregated: remove the rows of file versions that are no longer
    current in `source_relation` (e.g. a file delivered again with every row rejected has no rows at all, so the
    incremental insert never replaces its earlier version).
#}
{% macro remove_stale_versions(relation, source_relation) %}
    {{ return(adapter.dispatch('remove_stale_versions', 'modelmarket')(relation, source_relation)) }}
{% endmacro %}


{% macro default__remove_stale_versions(relation, source_relation) %}
    delete from {{ relation }} where concat(_source_file, '|', _file_sha256) not in (
        select distinct concat(_source_file, '|', _file_sha256) from {{ source_relation }})
{% endmacro %}


{#- Spark: no row deletes on Parquet tables; the table is partitioned by _source_file, so drop whole partitions -#}
{% macro spark__remove_stale_versions(relation, source_relation) %}
    {%- if execute -%}
        {%- set stale = run_query(
            "select distinct _source_file from " ~ relation
            ~ " where concat(_source_file, '|', _file_sha256) not in ("
            ~ " select distinct concat(_source_file, '|', _file_sha256) from " ~ source_relation ~ ")"
            ~ " order by _source_file"
        ) -%}
        {%- for row in stale.rows -%}
            {%- do run_query(
                "alter table " ~ relation ~ " drop if exists partition (_source_file = "
                ~ modelmarket.sql_string(row[0]) ~ ")"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
