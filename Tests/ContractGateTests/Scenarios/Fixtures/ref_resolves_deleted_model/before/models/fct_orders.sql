select 1 as order_id, 10 as amount
