{{ config(materialized='table') }}

select
    o.order_id,
    o.customer_id,
    o.status,
    o.legacy_status,
    o.discount_code,
    o.amount,
    o.ordered_at
from {{ ref('stg_orders') }} as o
