-- One value per vendor, quarter and indicator: the latest as_of wins (a revision), then the latest load,
-- then the later row of the file. A figure without as_of counts as older than any dated one.

with

indicators as (

    select
        vendor_id,
        period,
        period_start,
        indicator,
        value,
        unit,
        source,
        as_of,
        _source_file,
        _file_sha256,
        _row_number,
        _loaded_at
    from {{ ref('stg_market__indicators') }}

),

indicators_ranked as (

    select
        vendor_id,
        period,
        period_start,
        indicator,
        value,
        unit,
        source,
        as_of,
        _source_file,
        _file_sha256,
        _row_number,
        _loaded_at,
        row_number() over (
            partition by vendor_id, period_start, indicator
            order by
                as_of desc nulls last,
                _loaded_at desc,
                _row_number desc,
                _source_file desc
        ) as version_rank
    from indicators

)

select
    vendor_id,
    period,
    period_start,
    indicator,
    value,
    unit,
    source,
    as_of,
    _source_file,
    _file_sha256,
    _row_number,
    _loaded_at
from indicators_ranked
where version_rank = 1
