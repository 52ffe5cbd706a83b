select order_id as refund_id
from {{ ref('fct_orders') }}
