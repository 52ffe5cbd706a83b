with orders as (
    select * from {{ ref('stg_orders') }}
),

payments as (
    select order_id, sum(paid_amount) as total_paid
    from {{ ref('stg_payments') }}
    group by order_id
),

joined as (
    select
        orders.*,
        payments.total_paid
    from orders
    left join payments on orders.order_id = payments.order_id
)

select * from joined
