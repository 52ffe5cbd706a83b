{% macro order_columns() %}
    id as order_id, status
{% endmacro %}
