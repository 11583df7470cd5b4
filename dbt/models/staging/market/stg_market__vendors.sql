with

source as (

    select * from {{ source('raw', 'market__vendors') }}

),

renamed as (

    select

        ---------- ids
        cast(vendor_id as varchar) as vendor_id,

        ---------- text
        cast(vendor_name as varchar) as vendor_name,
        cast(hq_region as varchar) as hq_region,
        cast(primary_segment as varchar) as primary_segment,
        cast(ownership as varchar) as ownership,
        cast(business_models as varchar) as business_models,
        cast(source as varchar) as source,

        ---------- lineage
        cast(_source_file as varchar) as _source_file,
        cast(_file_sha256 as varchar) as _file_sha256,
        cast(_row_number as bigint) as _row_number,
        cast(_loaded_at as timestamp) as _loaded_at

    from source

)

select * from renamed
