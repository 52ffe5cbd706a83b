select payment_id, order_ref
from raw.payments
