select id as order_id, status, amount, tax
from raw.orders
