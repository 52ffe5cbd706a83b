select id as order_id, status as order_status
from raw.orders
