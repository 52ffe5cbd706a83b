with customers as (
    select * from {{ ref('int_customers_clean') }}
),

orders as (
    select * from {{ ref('int_orders_enriched') }}
),

summary as (
    select
        customer_id,
        count(*) as order_count,
        sum(amount) as lifetime_amount,
        max(order_date) as last_order_date
    from orders
    group by customer_id
),

final as (
    select
        customers.*,
        summary.order_count,
        summary.lifetime_amount,
        summary.last_order_date
    from customers
    left join summary on customers.customer_id = summary.customer_id
)

select * from final
