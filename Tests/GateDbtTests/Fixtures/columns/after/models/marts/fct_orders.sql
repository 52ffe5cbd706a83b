{{ config(alias='orders') }}
select o.order_id, o.customer_id, o.amount, o.status, o.email, o.created_at, o.note
from {{ ref('stg_orders') }} o
