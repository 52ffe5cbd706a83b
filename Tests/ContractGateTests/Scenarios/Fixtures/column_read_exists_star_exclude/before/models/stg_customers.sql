select id as customer_id, name, email
from raw.customers
