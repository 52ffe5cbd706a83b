select order_id, status
from raw.orders
-- one row per order placed in the shop
