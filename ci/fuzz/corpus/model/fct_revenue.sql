select
    date_trunc('day', ordered_at) as revenue_date,
    sum(amount) as revenue
from {{ ref('fct_orders') }}
where status = 'completed'
group by 1
