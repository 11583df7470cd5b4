-- Usage per account, vendor and month. mrr = Σ amount_usd of the month (zero-amount line items count as
-- rows, not as revenue). Every sum has an explicit type: decimal for money, bigint for counts.

with

usage as (

    select
        account_id,
        vendor_id,
        usage_date,
        amount_usd,
        requests,
        tokens_input,
        tokens_output
    from {{ ref('stg_customers__usage') }}

),

usage_monthly as (

    select
        account_id,
        vendor_id,
        cast(date_trunc('month', usage_date) as date) as month,
        cast(sum(amount_usd) as decimal(18,6)) as mrr,
        cast(sum(coalesce(tokens_input, 0)) as bigint) as tokens_input,
        cast(sum(coalesce(tokens_output, 0)) as bigint) as tokens_output,
        cast(sum(coalesce(tokens_input, 0) + coalesce(tokens_output, 0)) as bigint) as tokens,
        cast(sum(coalesce(requests, 0)) as bigint) as requests,
        cast(count(*) as bigint) as line_count
    from usage
    group by
        account_id,
        vendor_id,
        cast(date_trunc('month', usage_date) as date)

)

select
    account_id,
    vendor_id,
    month,
    mrr,
    tokens_input,
    tokens_output,
    tokens,
    requests,
    line_count
from usage_monthly
