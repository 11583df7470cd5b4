-- Every calendar month from the first to the last month of usage data in the warehouse (the global calendar of
-- the customer marts; a month without any usage row in between is still a month). Portable: offsets 0..9,999
-- from a cross join of digits, no engine-specific series function.

with

usage_bounds as (

    select
        min(month) as first_month,
        max(month) as last_month
    from {{ ref('int_usage_monthly') }}

),

digits as (

    select 0 as digit union all select 1 union all select 2 union all select 3 union all select 4
    union all select 5 union all select 6 union all select 7 union all select 8 union all select 9

),

month_offsets as (

    select
        thousands.digit * 1000 + hundreds.digit * 100 + tens.digit * 10 + units.digit as month_offset
    from digits as thousands
    cross join digits as hundreds
    cross join digits as tens
    cross join digits as units

),

months as (

    select
        cast({{ dbt.dateadd('month', 'month_offsets.month_offset', 'usage_bounds.first_month') }} as date) as month,
        usage_bounds.last_month
    from usage_bounds
    cross join month_offsets
    where usage_bounds.first_month is not null
        and month_offsets.month_offset <= {{ dbt.datediff('usage_bounds.first_month', 'usage_bounds.last_month', 'month') }}

)

select
    month,
    cast(month = last_month as boolean) as is_last_month
from months
