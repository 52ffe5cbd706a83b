with p as (
    select * from {{ ref('raw_payments') }}
)

select
    id as payment_id,
    order_id,
    method as payment_method,
    amount_cents / 100.0 as paid_amount
from p
