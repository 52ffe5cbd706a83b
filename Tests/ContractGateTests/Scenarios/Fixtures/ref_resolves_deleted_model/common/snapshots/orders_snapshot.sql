{% snapshot orders_snapshot %}
{{ config(unique_key='order_id', strategy='check', check_cols='all', target_schema='snapshots') }}
select * from {{ ref('fct_orders') }}
{% endsnapshot %}
