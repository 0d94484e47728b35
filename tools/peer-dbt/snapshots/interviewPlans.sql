{% snapshot interviewPlans_history %}
{{ config(target_schema='snapshots', unique_key='id', strategy='check', check_cols=['record'], invalidate_hard_deletes=True) }}
{{ read_entity('interviewPlans') }}
{% endsnapshot %}
