-- header

{{ config(materialized='table', tags=['a' }}
select 1 as id
