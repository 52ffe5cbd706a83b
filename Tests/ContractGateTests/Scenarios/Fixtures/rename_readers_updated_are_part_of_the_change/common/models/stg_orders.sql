select order_id, amount from raw_orders
