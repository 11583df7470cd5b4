-- audit.load_log: the raw archive's load log, one row per landing file version handled.

with

load_log as (

    select
        load_id,
        run_id,
        source,
        dataset,
        source_file,
        file_sha256,
        file_bytes,
        status,
        reason,
        delivered_rows,
        loaded_rows,
        rejected_rows,
        raw_path,
        quarantine_path,
        replaces_sha256,
        loaded_at
    from {{ ref('stg_audit__load_log') }}

)

select
    load_id,
    run_id,
    source,
    dataset,
    source_file,
    file_sha256,
    file_bytes,
    status,
    reason,
    delivered_rows,
    loaded_rows,
    rejected_rows,
    raw_path,
    quarantine_path,
    replaces_sha256,
    loaded_at
from load_log
