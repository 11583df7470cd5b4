{{ config(meta={'dagster': {'ref': {'name': 'fct_model_prices'}}}) }}

-- Every priced vendor/model of fct_model_prices has its row in dim_models (a compound foreign key).

select
    model_prices.vendor_id,
    model_prices.model_id
from {{ ref('fct_model_prices') }} as model_prices
left join {{ ref('dim_models') }} as models
    on model_prices.vendor_id = models.vendor_id
    and model_prices.model_id = models.model_id
where models.model_id is null
