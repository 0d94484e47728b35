{#- One entity type's records from the input folder: the id and the record's JSON text (as in the
    file), one row each. tools/peer-dbt.sh lays out input_dir with every type's file present. -#}
{% macro read_entity(type) -%}
  select json->>'id' as id, json::varchar as record
  from read_json_objects('{{ var("input_dir") }}/{{ type }}.json', format = 'array', maximum_object_size = 67108864)
{%- endmacro %}
