with

source as (

    select * from {{ source('raw', 'market__indicators') }}

),

renamed as (

    select

        ---------- ids
        cast(vendor_id as string) as vendor_id,
        cast(indicator as string) as indicator,

        ---------- period
        cast(period as string) as period,
        cast(period_start as date) as period_start,
        cast(as_of as date) as as_of,

        ---------- numerics
        cast(value as double) as value,

        ---------- text
        cast(unit as string) as unit,
        cast(source as string) as source,

        ---------- lineage
        cast(_source_file as string) as _source_file,
        cast(_file_sha256 as string) as _file_sha256,
        cast(_row_number as bigint) as _row_number,
        cast(_loaded_at as timestamp) as _loaded_at

    from source

)

select * from renamed
