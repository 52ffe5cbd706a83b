select order_id, amount, customer_email, ordered_at
from {{ ref('stg_orders') }}
