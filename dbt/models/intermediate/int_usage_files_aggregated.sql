-- Usage per delivered file version, account, vendor and month: the INCREMENTAL step of the usage rollup
-- (usage is the big table, DESIGN §8). Everything downstream sums these small per-file aggregates.
--
-- A landing file is identified by its path (_source_file) and its bytes (_file_sha256). An incremental run
-- aggregates only the current file versions that are not in {{ this }} yet:
--   a new file           its rows are inserted;
--   a re-delivered file  same _source_file, new _file_sha256: delete+insert on unique_key _source_file
--                        replaces the earlier version's rows, so nothing is counted twice;
--   a version no longer current (e.g. re-delivered with every row rejected, so it has no rows at all):
--                        the post-hook deletes its rows.
-- A full rebuild (`--full-refresh`, or the first build) aggregates every current file: the same rows.
-- Sums of decimal(38,6) are exact, so per-file sums add up to exactly the monthly sums of the line items.
--
-- Per engine (DESIGN §9): DuckDB replaces a file's rows with delete+insert on _source_file; Spark (no row
-- deletes without Delta) partitions by _source_file and overwrites the partitions of the files it loads
-- (insert_overwrite), and drops the partitions of versions no longer current (macros/remove_stale_versions.sql).

{% set on_spark = target.type == 'spark' %}

{{
    config(
        materialized='incremental',
        incremental_strategy='insert_overwrite' if on_spark else 'delete+insert',
        unique_key=none if on_spark else '_source_file',
        partition_by=['_source_file'] if on_spark else none,
        on_schema_change='fail',
        post_hook=["{{ modelmarket.remove_stale_versions(this, ref('stg_customers__usage')) }}"]
    )
}}

with

usage as (

    select
        _source_file,
        _file_sha256,
        account_id,
        vendor_id,
        usage_date,
        amount_usd,
        requests,
        tokens_input,
        tokens_output
    from {{ ref('stg_customers__usage') }}

),

{% if is_incremental() %}

current_versions as (

    select distinct
        _source_file,
        _file_sha256
    from usage

),

versions_to_load as (

    select
        current_versions._source_file,
        current_versions._file_sha256
    from current_versions
    left join (select distinct _source_file, _file_sha256 from {{ this }}) as loaded_versions
        on current_versions._source_file = loaded_versions._source_file
        and current_versions._file_sha256 = loaded_versions._file_sha256
    where loaded_versions._source_file is null

),

usage_to_load as (

    select
        usage._source_file,
        usage._file_sha256,
        usage.account_id,
        usage.vendor_id,
        usage.usage_date,
        usage.amount_usd,
        usage.requests,
        usage.tokens_input,
        usage.tokens_output
    from usage
    inner join versions_to_load
        on usage._source_file = versions_to_load._source_file
        and usage._file_sha256 = versions_to_load._file_sha256

),

{% else %}

usage_to_load as (

    select
        _source_file,
        _file_sha256,
        account_id,
        vendor_id,
        usage_date,
        amount_usd,
        requests,
        tokens_input,
        tokens_output
    from usage

),

{% endif %}

file_months as (

    select
        _source_file,
        _file_sha256,
        account_id,
        vendor_id,
        cast(date_trunc('month', usage_date) as date) as month,
        cast(sum(amount_usd) as decimal(38,6)) as amount_usd,
        cast(sum(coalesce(cast(tokens_input as decimal(38,0)), 0)) as decimal(38,0)) as tokens_input,
        cast(sum(coalesce(cast(tokens_output as decimal(38,0)), 0)) as decimal(38,0)) as tokens_output,
        cast(
            sum(coalesce(cast(tokens_input as decimal(38,0)), 0) + coalesce(cast(tokens_output as decimal(38,0)), 0))
            as decimal(38,0)
        ) as tokens,
        cast(sum(coalesce(cast(requests as decimal(38,0)), 0)) as decimal(38,0)) as requests,
        cast(count(*) as bigint) as line_count
    from usage_to_load
    group by
        _source_file,
        _file_sha256,
        account_id,
        vendor_id,
        cast(date_trunc('month', usage_date) as date)

)

select
    cast(_source_file as string) as _source_file,
    cast(_file_sha256 as string) as _file_sha256,
    cast(account_id as string) as account_id,
    cast(vendor_id as string) as vendor_id,
    cast(month as date) as month,
    amount_usd,
    tokens_input,
    tokens_output,
    tokens,
    requests,
    line_count
from file_months
