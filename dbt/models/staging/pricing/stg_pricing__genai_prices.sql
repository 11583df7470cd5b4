with

source as (

    select * from {{ source('raw', 'pricing__genai_prices') }}

),

renamed as (

    select

        ---------- ids
        cast(provider_id as varchar) as provider_id,
        cast(model_id as varchar) as model_id,
        cast(price_key as varchar) as price_key,

        ---------- text
        cast(provider_name as varchar) as provider_name,
        cast(model_name as varchar) as model_name,
        cast(price_type as varchar) as price_type,
        cast(unit as varchar) as unit,
        cast(condition as varchar) as condition,
        cast(package_version as varchar) as package_version,

        ---------- numerics
        cast(context_window as bigint) as context_window,
        cast(usd_per_unit as decimal(18,9)) as usd_per_unit,
        cast(tier_start as bigint) as tier_start,

        ---------- booleans
        cast(deprecated as boolean) as deprecated,

        ---------- dates
        cast(valid_from as date) as valid_from,

        ---------- lineage
        cast(_source_file as varchar) as _source_file,
        cast(_file_sha256 as varchar) as _file_sha256,
        cast(_row_number as bigint) as _row_number,
        cast(_loaded_at as timestamp) as _loaded_at

    from source

)

select * from renamed
