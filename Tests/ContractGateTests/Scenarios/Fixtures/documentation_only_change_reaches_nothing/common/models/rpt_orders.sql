select order_id, status
from {{ ref('fct_orders') }}
