select status from {{ ref('stg_orders') }}
