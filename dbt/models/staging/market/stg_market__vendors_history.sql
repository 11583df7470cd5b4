with

source as (

    select * from {{ source('raw', 'market__vendors_history') }}

),

renamed as (

    select

        ---------- ids
        cast(vendor_id as string) as vendor_id,

        ---------- text
        cast(vendor_name as string) as vendor_name,
        cast(hq_region as string) as hq_region,
        cast(primary_segment as string) as primary_segment,
        cast(ownership as string) as ownership,
        cast(business_models as string) as business_models,
        cast(source as string) as source,

        ---------- lineage
        cast(_source_file as string) as _source_file,
        cast(_file_sha256 as string) as _file_sha256,
        cast(_row_number as bigint) as _row_number,
        cast(_loaded_at as timestamp) as _loaded_at

    from source

)

select * from renamed
