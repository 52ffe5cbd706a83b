select order_id, status
from raw.orders
