select * exclude (email)
from {{ ref('stg_customers') }}
