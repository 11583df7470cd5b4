-- The latest delivered record per account: the latest load, then the later row of the file.
-- An account that a correction dropped from every current file keeps its last known record from the history
-- of loaded versions, with is_current false, so its usage still joins.
-- A missing segment becomes 'unknown' so segment totals always add up to 'all'.

with

accounts_current as (

    select
        account_id,
        segment,
        industry,
        region,
        signup_date,
        _source_file,
        _row_number,
        _loaded_at,
        true as is_current
    from {{ ref('stg_customers__accounts') }}

),

accounts_history as (

    select
        account_id,
        segment,
        industry,
        region,
        signup_date,
        _source_file,
        _row_number,
        _loaded_at
    from {{ ref('stg_customers__accounts_history') }}

),

accounts_dropped as (

    select
        accounts_history.account_id,
        accounts_history.segment,
        accounts_history.industry,
        accounts_history.region,
        accounts_history.signup_date,
        accounts_history._source_file,
        accounts_history._row_number,
        accounts_history._loaded_at,
        false as is_current
    from accounts_history
    left join (select distinct account_id from accounts_current) as current_ids
        on accounts_history.account_id = current_ids.account_id
    where current_ids.account_id is null

),

accounts_unioned as (

    select * from accounts_current
    union all
    select * from accounts_dropped

),

accounts_ranked as (

    select
        account_id,
        segment,
        industry,
        region,
        signup_date,
        is_current,
        row_number() over (
            partition by account_id
            order by _loaded_at desc, _row_number desc, _source_file desc
        ) as version_rank
    from accounts_unioned

)

select
    account_id,
    coalesce(segment, 'unknown') as segment,
    industry,
    region,
    signup_date,
    is_current
from accounts_ranked
where version_rank = 1
