{#
    Schema `raw`: one view per table of source `raw`, over the Parquet files the raw archive's manifest lists.

    The ingest step writes, per relation, <raw_root>/_manifest/<relation>.parquet with one column `raw_path`
    (absolute path of a raw Parquet file holding current rows). A relation without a manifest file, or with an
    empty one, gets an empty view typed from the source's YAML columns, so the project builds before every
    dataset has been delivered (dependent marts are then empty).

    Run as `on-run-start` (dbt_project.yml). The engine-specific part (listing and reading Parquet files) is the
    adapter-dispatched macro `register_raw_relations`; everything else is portable.
#}
{% macro register_raw_sources() %}
    {%- if execute -%}
        {%- set raw_sources = [] -%}
        {%- for node in graph.sources.values() | sort(attribute='name') if node.source_name == 'raw' -%}
            {%- do raw_sources.append(node) -%}
        {%- endfor -%}
        {%- do modelmarket.register_raw_relations(raw_sources) -%}
    {%- endif -%}
{% endmacro %}


{% macro register_raw_relations(raw_sources) %}
    {{ return(adapter.dispatch('register_raw_relations', 'modelmarket')(raw_sources)) }}
{% endmacro %}


{% macro default__register_raw_relations(raw_sources) %}
    {{ exceptions.raise_compiler_error(
        "register_raw_relations is not implemented for adapter '" ~ adapter.type() ~ "' "
        ~ "(write a " ~ adapter.type() ~ "__register_raw_relations macro, see DESIGN §9)"
    ) }}
{% endmacro %}


{% macro duckdb__register_raw_relations(raw_sources) %}
    {%- set manifest_glob = var('manifest_glob', none) -%}
    {%- if manifest_glob is none -%}
        {{ exceptions.raise_compiler_error("var 'manifest_glob' is required (<raw_root>/_manifest/*.parquet)") }}
    {%- endif -%}
    {%- set schema_name = raw_sources[0].schema if raw_sources else 'raw' -%}
    {%- do run_query('create schema if not exists ' ~ schema_name) -%}

    {#- manifest files present: relation name (file stem) -> manifest path -#}
    {%- set manifest_files = {} -%}
    {%- set globbed = run_query("select file from glob(" ~ modelmarket.sql_string(manifest_glob) ~ ") order by file") -%}
    {%- for row in globbed.rows -%}
        {%- set file_name = row[0].replace('\\', '/').split('/') | last -%}
        {%- if file_name.endswith('.parquet') -%}
            {%- do manifest_files.update({file_name[:-8]: row[0]}) -%}
        {%- endif -%}
    {%- endfor -%}

    {#- raw paths of every manifest, read in one query -#}
    {%- set raw_paths = {} -%}
    {%- if manifest_files -%}
        {%- set manifest_list = [] -%}
        {%- for manifest_path in manifest_files.values() -%}
            {%- do manifest_list.append(modelmarket.sql_string(manifest_path)) -%}
        {%- endfor -%}
        {%- set listed = run_query(
            "select filename, cast(raw_path as varchar) as raw_path"
            ~ " from read_parquet([" ~ manifest_list | join(', ') ~ "],"
            ~ " filename = true, union_by_name = true, hive_partitioning = false)"
            ~ " where raw_path is not null order by filename, raw_path"
        ) -%}
        {%- for row in listed.rows -%}
            {%- do raw_paths.setdefault(row[0], []).append(row[1]) -%}
        {%- endfor -%}
    {%- endif -%}

    {%- for node in raw_sources -%}
        {%- set view_name = schema_name ~ '.' ~ node.identifier -%}
        {%- set paths = raw_paths.get(manifest_files.get(node.identifier), []) -%}
        {%- if paths -%}
            {%- set quoted_paths = [] -%}
            {%- for path in paths -%}
                {%- do quoted_paths.append(modelmarket.sql_string(path)) -%}
            {%- endfor -%}
            {#- hive_partitioning off: a folder named key=value in a raw path must not become a column -#}
            {%- set view_sql = "select * from read_parquet([" ~ quoted_paths | join(', ')
                ~ "], union_by_name = true, hive_partitioning = false)" -%}
            {%- do log("raw: " ~ view_name ~ " over " ~ paths | length ~ " file(s)", info=false) -%}
        {%- else -%}
            {%- set view_sql = modelmarket.empty_relation_sql(node) -%}
            {%- do log("raw: " ~ view_name ~ " has no raw files yet: empty typed view", info=true) -%}
        {%- endif -%}
        {%- do run_query("create or replace view " ~ view_name ~ " as " ~ view_sql) -%}
    {%- endfor -%}
{% endmacro %}


{#- `select cast(null as <type>) as <column>, ... where 1 = 0` from the source's YAML columns (portable SQL) -#}
{% macro empty_relation_sql(source_node) %}
    {%- set columns = source_node.columns.values() | list -%}
    {%- if not columns -%}
        {{ exceptions.raise_compiler_error("source raw." ~ source_node.name ~ " declares no columns") }}
    {%- endif -%}
    {%- set casts = [] -%}
    {%- for column in columns -%}
        {%- if not column.data_type -%}
            {{ exceptions.raise_compiler_error("source raw." ~ source_node.name ~ "." ~ column.name ~ " has no data_type") }}
        {%- endif -%}
        {%- do casts.append("cast(null as " ~ column.data_type ~ ") as " ~ column.name) -%}
    {%- endfor -%}
    {{- return("select " ~ casts | join(", ") ~ " where 1 = 0") -}}
{% endmacro %}


{#-
    Spark: the same views, as `union all` of one `select` per raw file (parquet.`<path>`), each projecting the
    source's YAML columns with their types; every raw file of a relation holds all of them (ingest writes the
    contract's typed columns), extra delivered columns are left out. The manifest is read with Spark itself.
-#}
{% macro spark__register_raw_relations(raw_sources) %}
    {%- set manifest_glob = var('manifest_glob', none) -%}
    {%- if manifest_glob is none -%}
        {{ exceptions.raise_compiler_error("var 'manifest_glob' is required (<raw_root>/_manifest/*.parquet)") }}
    {%- endif -%}
    {%- set schema_name = raw_sources[0].schema if raw_sources else 'raw' -%}
    {%- do run_query('create schema if not exists ' ~ schema_name) -%}

    {#- relation name (manifest file stem) -> raw paths -#}
    {%- set raw_paths = {} -%}
    {%- set listed = run_query(
        "select _metadata.file_name as manifest_file, cast(raw_path as string) as raw_path"
        ~ " from " ~ modelmarket.parquet_file(manifest_glob)
        ~ " where raw_path is not null order by manifest_file, raw_path"
    ) -%}
    {%- for row in listed.rows -%}
        {%- if row[0].endswith('.parquet') -%}
            {%- do raw_paths.setdefault(row[0][:-8], []).append(row[1]) -%}
        {%- endif -%}
    {%- endfor -%}

    {%- for node in raw_sources -%}
        {%- set view_name = schema_name ~ '.' ~ node.identifier -%}
        {%- set paths = raw_paths.get(node.identifier, []) -%}
        {%- if paths -%}
            {%- set casts = [] -%}
            {%- for column in node.columns.values() -%}
                {%- do casts.append("cast(" ~ column.name ~ " as " ~ column.data_type ~ ") as " ~ column.name) -%}
            {%- endfor -%}
            {%- set selects = [] -%}
            {%- for path in paths -%}
                {%- do selects.append("select " ~ casts | join(", ") ~ " from " ~ modelmarket.parquet_file(path)) -%}
            {%- endfor -%}
            {%- set view_sql = selects | join(" union all ") -%}
            {%- do log("raw: " ~ view_name ~ " over " ~ paths | length ~ " file(s)", info=false) -%}
        {%- else -%}
            {%- set view_sql = modelmarket.empty_relation_sql(node) -%}
            {%- do log("raw: " ~ view_name ~ " has no raw files yet: empty typed view", info=true) -%}
        {%- endif -%}
        {%- do run_query("create or replace view " ~ view_name ~ " as " ~ view_sql) -%}
    {%- endfor -%}
{% endmacro %}


{#- Spark: a Parquet file (or a glob of files) as a relation -#}
{% macro parquet_file(path) %}
    {{- return("parquet.`" ~ (path | string).replace("`", "``") ~ "`") -}}
{% endmacro %}


{#- a SQL string literal (quotes are escaped differently per engine) -#}
{% macro sql_string(text) %}
    {{- return(adapter.dispatch('sql_string', 'modelmarket')(text)) -}}
{% endmacro %}

{% macro default__sql_string(text) %}
    {{- return("'" ~ (text | string).replace("'", "''") ~ "'") -}}
{% endmacro %}

{#- Spark reads backslash escapes in literals, and 'a''b' as two adjacent literals (ab) -#}
{% macro spark__sql_string(text) %}
    {{- return("'" ~ (text | string).replace("\\", "\\\\").replace("'", "\\'") ~ "'") -}}
{% endmacro %}
