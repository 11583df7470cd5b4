with

source as (

    select * from {{ source('raw', 'customers__accounts_history') }}

),

renamed as (

    select

        ---------- ids
        cast(account_id as string) as account_id,

        ---------- text
        cast(segment as string) as segment,
        cast(industry as string) as industry,
        cast(region as string) as region,

        ---------- dates
        cast(signup_date as date) as signup_date,

        ---------- lineage
        cast(_source_file as string) as _source_file,
        cast(_file_sha256 as string) as _file_sha256,
        cast(_row_number as bigint) as _row_number,
        cast(_loaded_at as timestamp) as _loaded_at

    from source

)

select * from renamed
