select
    id as order_id,
    customer_id,
    status,
    legacy_status,
    discount_code,
    amount_cents / 100.0 as amount,
    ordered_at
from {{ source('raw', 'orders') }}
