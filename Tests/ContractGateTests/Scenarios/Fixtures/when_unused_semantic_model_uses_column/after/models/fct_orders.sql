select order_id, ordered_at
from raw.orders
