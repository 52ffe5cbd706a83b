select order_id
from {{ ref('stg_orders') }}
-- one row per order placed in the shop
