-- Every vendor of market/vendors (its latest record; a vendor a correction dropped keeps its last known record,
-- is_current false), plus the genai-prices providers that are not in that
-- list (named after the provider, source 'genai-prices@<version>').

with

vendors as (

    select
        vendor_id,
        vendor_name,
        hq_region,
        primary_segment,
        ownership,
        business_models,
        source,
        is_current
    from {{ ref('int_vendors_deduplicated') }}

),

genai_prices as (

    select
        provider_id,
        provider_name,
        package_version,
        _row_number,
        _loaded_at
    from {{ ref('stg_pricing__genai_prices') }}
    where provider_id is not null

),

genai_providers_ranked as (

    select
        provider_id,
        provider_name,
        package_version,
        row_number() over (
            partition by provider_id
            order by _loaded_at desc, package_version desc, _row_number desc
        ) as version_rank
    from genai_prices

),

genai_providers as (

    select
        provider_id,
        provider_name,
        package_version
    from genai_providers_ranked
    where version_rank = 1

),

vendors_listed as (

    select
        vendors.vendor_id,
        vendors.vendor_name,
        vendors.hq_region,
        vendors.primary_segment,
        vendors.ownership,
        vendors.business_models,
        vendors.source,
        genai_providers.provider_id is not null as in_genai_prices,
        vendors.is_current
    from vendors
    left join genai_providers
        on vendors.vendor_id = genai_providers.provider_id

),

vendors_only_in_genai_prices as (

    select
        genai_providers.provider_id as vendor_id,
        coalesce(genai_providers.provider_name, genai_providers.provider_id) as vendor_name,
        cast(null as string) as hq_region,
        cast(null as string) as primary_segment,
        cast(null as string) as ownership,
        cast(null as string) as business_models,
        concat('genai-prices@', coalesce(genai_providers.package_version, 'unknown')) as source,
        true as in_genai_prices,
        true as is_current
    from genai_providers
    left join vendors
        on genai_providers.provider_id = vendors.vendor_id
    where vendors.vendor_id is null

),

vendors_unioned as (

    select
        vendor_id,
        vendor_name,
        hq_region,
        primary_segment,
        ownership,
        business_models,
        source,
        in_genai_prices,
        is_current
    from vendors_listed

    union all

    select
        vendor_id,
        vendor_name,
        hq_region,
        primary_segment,
        ownership,
        business_models,
        source,
        in_genai_prices,
        is_current
    from vendors_only_in_genai_prices

)

select
    cast(vendor_id as string) as vendor_id,
    cast(vendor_name as string) as vendor_name,
    cast(hq_region as string) as hq_region,
    cast(primary_segment as string) as primary_segment,
    cast(ownership as string) as ownership,
    cast(business_models as string) as business_models,
    cast(source as string) as source,
    coalesce(source like 'synthetic%', false) as is_synthetic,
    cast(in_genai_prices as boolean) as in_genai_prices,
    cast(is_current as boolean) as is_current
from vendors_unioned
