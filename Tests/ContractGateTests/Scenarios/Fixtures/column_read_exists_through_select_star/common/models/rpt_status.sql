select
    status,
    count(*) as orders
from {{ ref('int_orders') }}
group by 1
