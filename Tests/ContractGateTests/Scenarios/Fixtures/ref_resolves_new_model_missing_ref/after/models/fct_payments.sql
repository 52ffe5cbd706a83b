select o.order_id
from {{ ref('stg_orders') }} as o
join {{ ref('stg_paymnets') }} as p using (order_id)
cross join {{ ref('dbt_utils', 'date_spine') }}
