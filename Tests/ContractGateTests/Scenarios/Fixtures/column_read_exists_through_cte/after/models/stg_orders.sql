select id as order_id, customer_id, status
from raw.orders
