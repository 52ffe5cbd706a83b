with customers as (
    select * from {{ ref('stg_customers') }}
)

select * exclude (email)
from customers
