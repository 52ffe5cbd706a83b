select order_id
from {{ ref('never_existed') }}
