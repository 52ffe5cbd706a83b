{{
  config(
    alias='sales_v2',
    tags=['finance', 'daily'],
    meta={'owner': 'ann@example.com'}
  )
}}
select 1 as id
