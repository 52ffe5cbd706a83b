select id as order_id, status, channel
from raw.orders
