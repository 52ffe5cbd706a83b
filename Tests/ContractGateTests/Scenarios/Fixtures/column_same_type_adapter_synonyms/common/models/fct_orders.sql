select order_id, amount, status, quantity
from {{ ref('stg_orders') }}
