select id as order_id, status, amount
from raw.orders
