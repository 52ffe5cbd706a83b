select order_id, ordered_at, status, amount, discount, note
from raw.orders
