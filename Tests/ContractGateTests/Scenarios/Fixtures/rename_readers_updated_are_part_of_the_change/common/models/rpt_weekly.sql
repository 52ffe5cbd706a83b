select date_trunc('week', order_id) as week, sum(revenue) as revenue
from {{ ref('rpt_revenue') }}
group by 1
