{{ simple_cte([
    ('orders', 'fct_orders'),
    ('staged', 'stg_orders')
]) }}
select sum(amount) as revenue from orders
