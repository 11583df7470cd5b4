with

source as (

    select * from {{ source('raw', 'audit__rejected_rows') }}

),

renamed as (

    select

        ---------- file
        cast(source as varchar) as source,
        cast(dataset as varchar) as dataset,
        cast(source_file as varchar) as source_file,
        cast(file_sha256 as varchar) as file_sha256,

        ---------- row
        cast(row_number as bigint) as row_number,
        cast(reason as varchar) as reason,
        cast(row_json as varchar) as row_json,

        ---------- timestamps
        cast(loaded_at as timestamp) as loaded_at

    from source

)

select * from renamed
