with

source as (

    select * from {{ source('raw', 'pricing__prices') }}

),

renamed as (

    select

        ---------- ids
        cast(vendor_id as string) as vendor_id,
        cast(model_id as string) as model_id,

        ---------- prices
        cast(price_type as string) as price_type,
        cast(usd_per_unit as decimal(18,9)) as usd_per_unit,
        cast(unit as string) as unit,

        ---------- dates
        cast(effective_from as date) as effective_from,

        ---------- text
        cast(source as string) as source,

        ---------- lineage
        cast(_source_file as string) as _source_file,
        cast(_file_sha256 as string) as _file_sha256,
        cast(_row_number as bigint) as _row_number,
        cast(_loaded_at as timestamp) as _loaded_at

    from source

)

select * from renamed
