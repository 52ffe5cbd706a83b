select order_id, ordered_at, status, amount, discount
from raw.orders
