with

source as (

    select * from {{ source('raw', 'audit__rejected_rows') }}

),

renamed as (

    select

        ---------- file
        cast(source as string) as source,
        cast(dataset as string) as dataset,
        cast(source_file as string) as source_file,
        cast(file_sha256 as string) as file_sha256,

        ---------- row
        cast(row_number as bigint) as row_number,
        cast(reason as string) as reason,
        cast(row_json as string) as row_json,

        ---------- timestamps
        cast(loaded_at as timestamp) as loaded_at

    from source

)

select * from renamed
