-- still on the old shape
select customer_id
from {{ ref('dim_customers', v=1) }}
