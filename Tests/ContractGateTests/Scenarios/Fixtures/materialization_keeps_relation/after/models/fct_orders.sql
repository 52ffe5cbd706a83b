{{ config(materialized='ephemeral') }}

select order_id
from {{ ref('stg_orders') }}
