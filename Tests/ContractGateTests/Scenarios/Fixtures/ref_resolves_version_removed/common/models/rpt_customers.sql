select customer_id, segment
from {{ ref('dim_customers') }}
