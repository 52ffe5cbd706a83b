{% snapshot orders_snap %}
{{ config(unique_key='order_id', strategy='check', check_cols='all') }}
select * from {{ ref('orders') }} where order_id > 0
{% endsnapshot %}

{% snapshot customers_snap %}
{{ config(unique_key='order_id', strategy='check', check_cols='all') }}
select * from {{ ref('orders') }}
{% endsnapshot %}
