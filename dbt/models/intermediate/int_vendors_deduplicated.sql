-- The latest delivered record per vendor of market/vendors: the latest load, then the later row of the file.

with

vendors as (

    select
        vendor_id,
        vendor_name,
        hq_region,
        primary_segment,
        ownership,
        business_models,
        source,
        _source_file,
        _row_number,
        _loaded_at
    from {{ ref('stg_market__vendors') }}

),

vendors_ranked as (

    select
        vendor_id,
        vendor_name,
        hq_region,
        primary_segment,
        ownership,
        business_models,
        source,
        row_number() over (
            partition by vendor_id
            order by _loaded_at desc, _row_number desc, _source_file desc
        ) as version_rank
    from vendors

)

select
    vendor_id,
    vendor_name,
    hq_region,
    primary_segment,
    ownership,
    business_models,
    source
from vendors_ranked
where version_rank = 1
