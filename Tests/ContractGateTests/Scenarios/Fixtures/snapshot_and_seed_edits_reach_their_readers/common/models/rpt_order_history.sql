select * from {{ ref('orders_snap') }}
