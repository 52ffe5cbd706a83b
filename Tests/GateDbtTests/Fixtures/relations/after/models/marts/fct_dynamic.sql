{{ config(schema=var('other_schema') ~ '_x', materialized="incremental", persist_docs={'relation': true}) }}
select 1 as id
