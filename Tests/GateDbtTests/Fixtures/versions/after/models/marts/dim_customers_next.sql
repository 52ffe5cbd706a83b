select customer_id, full_name, country, segment from {{ ref('stg_customers') }}
