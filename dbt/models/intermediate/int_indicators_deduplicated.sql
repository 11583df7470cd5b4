-- One value per vendor, quarter and indicator, from the landing files (market/indicators) and the bundled
-- public reference data (reference/indicators). Precedence first:
--   1  a user's landing figure (source not starting with 'synthetic:')
--   2  reference data (Epoch AI, FMTI: real, cited)
--   3  demo data (a landing figure whose source starts with 'synthetic:')
-- then, within one tier, the latest as_of wins (a revision), then the latest load, then the later row of the
-- file. A figure without as_of counts as older than any dated one.

with

landing_indicators as (

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
        'reported' as origin,
        coalesce(source like 'synthetic:%', false) as is_synthetic,
        case when coalesce(source like 'synthetic:%', false) then 3 else 1 end as precedence
    from {{ ref('stg_market__indicators') }}

),

reference_indicators as (

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
        'reference' as origin,
        false as is_synthetic,
        2 as precedence
    from {{ ref('stg_reference__indicators') }}

),

indicators_unioned as (

    select
        vendor_id, period, period_start, indicator, value, unit, source, as_of,
        _source_file, _file_sha256, _row_number, _loaded_at, origin, is_synthetic, precedence
    from landing_indicators
    union all
    select
        vendor_id, period, period_start, indicator, value, unit, source, as_of,
        _source_file, _file_sha256, _row_number, _loaded_at, origin, is_synthetic, precedence
    from reference_indicators

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
        origin,
        is_synthetic,
        _source_file,
        _file_sha256,
        _row_number,
        _loaded_at,
        row_number() over (
            partition by vendor_id, period_start, indicator
            order by
                precedence asc,
                as_of desc nulls last,
                _loaded_at desc,
                _row_number desc,
                _source_file desc
        ) as version_rank
    from indicators_unioned

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
    origin,
    is_synthetic,
    _source_file,
    _file_sha256,
    _row_number,
    _loaded_at
from indicators_ranked
where version_rank = 1
