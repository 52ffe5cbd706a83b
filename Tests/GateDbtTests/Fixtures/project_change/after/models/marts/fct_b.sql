select * from {{ ref('fct_a') }}
