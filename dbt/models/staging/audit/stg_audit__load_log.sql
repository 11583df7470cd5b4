with

source as (

    select * from {{ source('raw', 'audit__load_log') }}

),

renamed as (

    select

        ---------- ids
        cast(load_id as string) as load_id,
        cast(run_id as string) as run_id,

        ---------- file
        cast(source as string) as source,
        cast(dataset as string) as dataset,
        cast(source_file as string) as source_file,
        cast(file_sha256 as string) as file_sha256,
        cast(file_bytes as bigint) as file_bytes,
        cast(replaces_sha256 as string) as replaces_sha256,

        ---------- outcome
        cast(status as string) as status,
        cast(reason as string) as reason,
        cast(delivered_rows as bigint) as delivered_rows,
        cast(loaded_rows as bigint) as loaded_rows,
        cast(rejected_rows as bigint) as rejected_rows,
        cast(raw_path as string) as raw_path,
        cast(quarantine_path as string) as quarantine_path,

        ---------- timestamps
        cast(loaded_at as timestamp) as loaded_at

    from source

)

select * from renamed
