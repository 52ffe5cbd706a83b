with orders as (
    select * from {{ ref('stg_orders') }}
)

select
    order_id,
    amount * 100 as amount_cents
from orders
