with

source as (

    select * from {{ source('raw', 'customers__accounts') }}

),

renamed as (

    select

        ---------- ids
        cast(account_id as varchar) as account_id,

        ---------- text
        cast(segment as varchar) as segment,
        cast(industry as varchar) as industry,
        cast(region as varchar) as region,

        ---------- dates
        cast(signup_date as date) as signup_date,

        ---------- lineage
        cast(_source_file as varchar) as _source_file,
        cast(_file_sha256 as varchar) as _file_sha256,
        cast(_row_number as bigint) as _row_number,
        cast(_loaded_at as timestamp) as _loaded_at

    from source

)

select * from renamed
