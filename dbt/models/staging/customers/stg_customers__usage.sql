with

source as (

    select * from {{ source('raw', 'customers__usage') }}

),

renamed as (

    select

        ---------- ids
        cast(account_id as string) as account_id,
        cast(vendor_id as string) as vendor_id,
        cast(model_id as string) as model_id,

        ---------- dates
        cast(usage_date as date) as usage_date,

        ---------- text
        cast(plan as string) as plan,

        ---------- numerics
        cast(amount_usd as decimal(18,6)) as amount_usd,
        cast(requests as bigint) as requests,
        cast(tokens_input as bigint) as tokens_input,
        cast(tokens_output as bigint) as tokens_output,

        ---------- lineage
        cast(_source_file as string) as _source_file,
        cast(_file_sha256 as string) as _file_sha256,
        cast(_row_number as bigint) as _row_number,
        cast(_loaded_at as timestamp) as _loaded_at

    from source

)

select * from renamed
