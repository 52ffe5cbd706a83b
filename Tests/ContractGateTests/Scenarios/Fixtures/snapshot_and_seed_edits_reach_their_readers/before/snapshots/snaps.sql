{% snapshot orders_snap %}
{{ config(unique_key='order_id', strategy='check', check_cols='all') }}
select * from {{ ref('orders') }}
{% endsnapshot %}

{% snapshot customers_snap %}
{{ config(unique_key='order_id', strategy='check', check_cols='all') }}
select * from {{ ref('orders') }}
{% endsnapshot %}
