select id as order_id
from raw.orders
