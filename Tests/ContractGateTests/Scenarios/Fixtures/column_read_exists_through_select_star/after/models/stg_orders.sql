select id as order_id, amount
from raw.orders
