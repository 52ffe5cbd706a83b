select order_id, contact, note
from {{ ref('stg_orders') }}
