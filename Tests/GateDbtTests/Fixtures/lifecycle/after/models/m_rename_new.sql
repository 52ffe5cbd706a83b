select id, name
from {{ ref('m_keep') }}
where id > 0
