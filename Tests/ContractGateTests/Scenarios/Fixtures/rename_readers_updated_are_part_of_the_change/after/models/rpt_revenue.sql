-- revenue by order
select
    order_id, sum(amount) as revenue
from {{ ref('fct_sales') }}
group by 1
