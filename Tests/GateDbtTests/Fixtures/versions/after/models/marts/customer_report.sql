{# an old dependency: {{ ref('commented_out') }} #}
select c.customer_id, r.revenue
from {{ ref('dim_customers') }} c
join {{ ref("dim_customers", v=2) }} old using (customer_id)
join {{ ref('finance_pkg', 'revenue') }} r using (customer_id)
