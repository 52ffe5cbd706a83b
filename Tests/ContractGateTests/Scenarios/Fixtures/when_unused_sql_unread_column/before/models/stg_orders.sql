select id as order_id, status, note
from raw.orders
