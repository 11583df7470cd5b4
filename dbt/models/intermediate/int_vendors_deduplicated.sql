-- The latest delivered record per vendor of market/vendors: the latest load, then the later row of the file.
-- A vendor that a correction dropped from every current file keeps its last known record from the history of
-- loaded versions, with is_current false, so its usage, indicators and prices still join.

with

vendors_current as (

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
        _loaded_at,
        true as is_current
    from {{ ref('stg_market__vendors') }}

),

vendors_history as (

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
    from {{ ref('stg_market__vendors_history') }}

),

vendors_dropped as (

    select
        vendors_history.vendor_id,
        vendors_history.vendor_name,
        vendors_history.hq_region,
        vendors_history.primary_segment,
        vendors_history.ownership,
        vendors_history.business_models,
        vendors_history.source,
        vendors_history._source_file,
        vendors_history._row_number,
        vendors_history._loaded_at,
        false as is_current
    from vendors_history
    left join (select distinct vendor_id from vendors_current) as current_ids
        on vendors_history.vendor_id = current_ids.vendor_id
    where current_ids.vendor_id is null

),

vendors_unioned as (

    select * from vendors_current
    union all
    select * from vendors_dropped

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
        is_current,
        row_number() over (
            partition by vendor_id
            order by _loaded_at desc, _row_number desc, _source_file desc
        ) as version_rank
    from vendors_unioned

)

select
    vendor_id,
    vendor_name,
    hq_region,
    primary_segment,
    ownership,
    business_models,
    source,
    is_current
from vendors_ranked
where version_rank = 1
