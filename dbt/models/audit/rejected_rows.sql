-- audit.rejected_rows: rows rejected by ingest's row-level checks. is_current tells whether the row's file
-- version is the current version of that landing file: the latest status = 'loaded' entry of the load log
-- for the same source_file (a re-delivered file replaces the earlier version and its rejections), unless a
-- later 'duplicate' entry says the path now holds another current file's bytes (then it has no current version).

with

rejected_rows as (

    select
        source,
        dataset,
        source_file,
        file_sha256,
        row_number,
        reason,
        row_json,
        loaded_at
    from {{ ref('stg_audit__rejected_rows') }}

),

loaded_versions as (

    select
        source_file,
        file_sha256,
        status,
        row_number() over (
            partition by source_file
            order by loaded_at desc, load_id desc
        ) as version_rank
    from {{ ref('stg_audit__load_log') }}
    where status in ('loaded', 'duplicate')

),

current_versions as (

    select
        source_file,
        file_sha256
    from loaded_versions
    where version_rank = 1 and status = 'loaded'

)

select
    rejected_rows.source,
    rejected_rows.dataset,
    rejected_rows.source_file,
    rejected_rows.file_sha256,
    rejected_rows.row_number,
    rejected_rows.reason,
    rejected_rows.row_json,
    rejected_rows.loaded_at,
    current_versions.file_sha256 is not null as is_current
from rejected_rows
left join current_versions
    on rejected_rows.source_file = current_versions.source_file
    and rejected_rows.file_sha256 = current_versions.file_sha256
