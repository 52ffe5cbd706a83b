select customer_id from {{ ref('stg_orders') }}
