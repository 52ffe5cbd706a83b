select id as order_id, customer_id, status, note, amount, quantity, email
from raw.orders
