{{
  config(
    alias='sales',
    tags=['finance', 'daily'],
    meta={'owner': 'ann@example.com'}
  )
}}
select 1 as id
