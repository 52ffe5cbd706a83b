select o.id, p.amount
from {{ ref('orders_snapshot') }} as o
join {{ source('raw', 'payments') }} as p using (id)
