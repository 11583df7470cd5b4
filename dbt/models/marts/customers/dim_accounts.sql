-- The panel's accounts: the latest delivered record per account, segment 'unknown' when not given; an account
-- a correction dropped keeps its last known record (is_current false).

with

accounts as (

    select
        account_id,
        segment,
        industry,
        region,
        signup_date,
        is_current
    from {{ ref('int_accounts_deduplicated') }}

)

select
    cast(account_id as string) as account_id,
    cast(segment as string) as segment,
    cast(industry as string) as industry,
    cast(region as string) as region,
    cast(signup_date as date) as signup_date,
    cast(is_current as boolean) as is_current
from accounts
