select order_id, email
from {{ ref('stg_orders') }}
