select order_id, dbt_valid_to
from {{ ref('orders_ysnap') }}
