with orders as (
    select * from {{ ref('raw_orders') }}
)
select id as order_id, status
from orders
