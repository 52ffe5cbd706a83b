select
    status,
    count(*) as order_count,
    sum(total_paid) as paid
from {{ ref('fct_orders') }}
group by status
