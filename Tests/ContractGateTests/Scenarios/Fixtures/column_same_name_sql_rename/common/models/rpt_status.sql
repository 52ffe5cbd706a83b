select status, count(*) as orders
from {{ ref('stg_orders') }}
group by status
