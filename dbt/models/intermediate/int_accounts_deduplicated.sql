-- The latest delivered record per account: the latest load, then the later row of the file.
-- A missing segment becomes 'unknown' so segment totals always add up to 'all'.

with

accounts as (

    select
        account_id,
        segment,
        industry,
        region,
        signup_date,
        _source_file,
        _row_number,
        _loaded_at
    from {{ ref('stg_customers__accounts') }}

),

accounts_ranked as (

    select
        account_id,
        segment,
        industry,
        region,
        signup_date,
        row_number() over (
            partition by account_id
            order by _loaded_at desc, _row_number desc, _source_file desc
        ) as version_rank
    from accounts

)

select
    account_id,
    coalesce(segment, 'unknown') as segment,
    industry,
    region,
    signup_date
from accounts_ranked
where version_rank = 1
