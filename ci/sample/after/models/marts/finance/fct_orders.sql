{{ config(materialized='table') }}

select
    o.order_id,
    o.customer_id,
    o.amount,
    o.ordered_at
from {{ ref('stg_orders') }} as o
