with

source as (

    select * from {{ source('raw', 'pricing__genai_prices') }}

),

renamed as (

    select

        ---------- ids
        cast(provider_id as string) as provider_id,
        cast(model_id as string) as model_id,
        cast(price_key as string) as price_key,

        ---------- text
        cast(provider_name as string) as provider_name,
        cast(model_name as string) as model_name,
        cast(price_type as string) as price_type,
        cast(unit as string) as unit,
        cast(condition as string) as condition,
        cast(package_version as string) as package_version,

        ---------- numerics
        cast(context_window as bigint) as context_window,
        cast(usd_per_unit as decimal(18,9)) as usd_per_unit,
        cast(tier_start as bigint) as tier_start,

        ---------- booleans
        cast(deprecated as boolean) as deprecated,

        ---------- dates
        cast(valid_from as date) as valid_from,

        ---------- lineage
        cast(_source_file as string) as _source_file,
        cast(_file_sha256 as string) as _file_sha256,
        cast(_row_number as bigint) as _row_number,
        cast(_loaded_at as timestamp) as _loaded_at

    from source

)

select * from renamed
