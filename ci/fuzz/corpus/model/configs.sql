{{ config(materialized="incremental", unique_key=["a", "b"], schema=var("s"), meta={"x": {"y": [1, -2.5e3, None, True]}}, **kw) }}
{% set x = 1 %}
select * from {{ ref("p", "m", v=2) }} -- {{ config(alias="z") }}
