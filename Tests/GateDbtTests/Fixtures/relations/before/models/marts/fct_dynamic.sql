{{ config(schema=var('target_schema'), materialized="incremental", persist_docs={'relation': true}) }}
select 1 as id
