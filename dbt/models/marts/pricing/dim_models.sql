-- One row per vendor and model: every model genai-prices lists (priced or not; source
-- 'genai-prices@<version>'), plus the models only users' price lists name (source = the price-list file
-- naming it, the last by path when several do; no name, context window or deprecation flag).
--   has_price     the model has at least one row in fct_model_prices
--   n_price_rows  its rows in fct_model_prices (components x tiers x changes x conditions, every source)

with

genai_models as (

    select
        provider_id as vendor_id,
        model_id,
        max(model_name) as model_name,
        max(context_window) as context_window,
        max(case when deprecated then 1 else 0 end) as deprecated_flag,
        max(concat('genai-prices@', coalesce(package_version, 'unknown'))) as source
    from {{ ref('stg_pricing__genai_prices') }}
    where provider_id is not null
        and model_id is not null
    group by
        provider_id,
        model_id

),

model_prices as (

    select
        vendor_id,
        model_id,
        source
    from {{ ref('fct_model_prices') }}

),

model_price_counts as (

    select
        vendor_id,
        model_id,
        count(*) as n_price_rows
    from model_prices
    group by
        vendor_id,
        model_id

),

price_list_models_ranked as (

    select
        vendor_id,
        model_id,
        source,
        row_number() over (
            partition by vendor_id, model_id
            order by source desc
        ) as source_rank
    from model_prices
    where source not like 'genai-prices@%'

),

price_list_only_models as (

    select
        price_list_models_ranked.vendor_id,
        price_list_models_ranked.model_id,
        cast(null as string) as model_name,
        cast(null as bigint) as context_window,
        cast(null as integer) as deprecated_flag,
        price_list_models_ranked.source
    from price_list_models_ranked
    left join genai_models
        on price_list_models_ranked.vendor_id = genai_models.vendor_id
        and price_list_models_ranked.model_id = genai_models.model_id
    where price_list_models_ranked.source_rank = 1
        and genai_models.model_id is null

),

models_unioned as (

    select
        vendor_id,
        model_id,
        model_name,
        context_window,
        deprecated_flag,
        source
    from genai_models

    union all

    select
        vendor_id,
        model_id,
        model_name,
        context_window,
        deprecated_flag,
        source
    from price_list_only_models

)

select
    cast(models_unioned.vendor_id as string) as vendor_id,
    cast(models_unioned.model_id as string) as model_id,
    cast(models_unioned.model_name as string) as model_name,
    cast(models_unioned.context_window as bigint) as context_window,
    cast(models_unioned.deprecated_flag = 1 as boolean) as deprecated,
    cast(coalesce(model_price_counts.n_price_rows, 0) > 0 as boolean) as has_price,
    cast(coalesce(model_price_counts.n_price_rows, 0) as integer) as n_price_rows,
    cast(models_unioned.source as string) as source
from models_unioned
left join model_price_counts
    on models_unioned.vendor_id = model_price_counts.vendor_id
    and models_unioned.model_id = model_price_counts.model_id
