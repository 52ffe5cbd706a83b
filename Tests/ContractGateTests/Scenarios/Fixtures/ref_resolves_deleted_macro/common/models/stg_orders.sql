select {{ order_columns() }}
from raw.orders
