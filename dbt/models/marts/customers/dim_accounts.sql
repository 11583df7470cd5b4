-- The panel's accounts: the latest delivered record per account, segment 'unknown' when not given.

with

accounts as (

    select
        account_id,
        segment,
        industry,
        region,
        signup_date
    from {{ ref('int_accounts_deduplicated') }}

)

select
    cast(account_id as string) as account_id,
    cast(segment as string) as segment,
    cast(industry as string) as industry,
    cast(region as string) as region,
    cast(signup_date as date) as signup_date
from accounts
