with source as (
    select * from {{ ref('raw_orders') }}
),

renamed as (
    select
        id as order_id,
        customer_id,
        status,
        amount_cents / 100.0 as amount,
        cast(ordered_at as date) as order_date
    from source
)

select * from renamed
