select * from {{ ref('customers_snap') }}
