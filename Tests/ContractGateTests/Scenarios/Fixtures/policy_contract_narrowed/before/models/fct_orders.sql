select order_id, status, note
from {{ ref('stg_orders') }}
