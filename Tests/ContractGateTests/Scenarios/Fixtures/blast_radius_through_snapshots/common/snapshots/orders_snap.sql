{% snapshot orders_snap %}
{{ config(unique_key='order_id', strategy='check', check_cols='all') }}
select * from {{ ref('fct_orders') }}
{% endsnapshot %}
