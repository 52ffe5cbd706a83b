with customers as (
    select * from {{ ref('stg_customers') }}
),
orders as (
    select * from {{ ref('stg_orders') }}
)
select
    customers.customer_id,
    count(orders.order_id) as number_of_orders
from customers
left join orders using (customer_id)
group by 1
