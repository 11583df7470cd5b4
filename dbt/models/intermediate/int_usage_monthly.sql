-- Usage per account, vendor and month. mrr = Σ amount_usd of the month (zero-amount line items count as
-- rows, not as revenue). Sums the per-file aggregates of the incremental int_usage_files_aggregated (small),
-- so a refresh never re-reads the daily line items of files it has already aggregated. Every sum has an
-- explicit type: decimal(38,…) for sums of money and of tokens (the contract bounds each line item,
-- not the sum of many), bigint for line counts.

with

file_months as (

    select
        account_id,
        vendor_id,
        month,
        amount_usd,
        tokens_input,
        tokens_output,
        tokens,
        requests,
        line_count
    from {{ ref('int_usage_files_aggregated') }}

),

usage_monthly as (

    select
        account_id,
        vendor_id,
        month,
        cast(sum(amount_usd) as decimal(38,6)) as mrr,
        cast(sum(tokens_input) as decimal(38,0)) as tokens_input,
        cast(sum(tokens_output) as decimal(38,0)) as tokens_output,
        cast(sum(tokens) as decimal(38,0)) as tokens,
        cast(sum(requests) as decimal(38,0)) as requests,
        cast(sum(line_count) as bigint) as line_count
    from file_months
    group by
        account_id,
        vendor_id,
        month

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
