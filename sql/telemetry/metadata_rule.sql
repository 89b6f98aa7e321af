-- Each event's metadata allow-list (telemetry.event_metadata_rules) compiled to one SQL/JSON path
-- predicate, kept in telemetry.event_catalog.metadata_rule. The recorder asks it first: one
-- jsonb_path_match call instead of a key-by-key examination, which then runs only for metadata
-- the path does not pass, to say why (telemetry.metadata_violation stays the rule's reference).
-- Values are read through keyvalue() and type-checked first, so {"key": ["value"]} is never
-- unwrapped into a passing string (and the path is strict besides). It passes exactly what
-- metadata_violation finds safe (for objects within 1 KiB); the tests compare both on generated metadata.
create or replace function telemetry.compile_metadata_rule(p_event_name text) returns jsonpath
  language sql stable
  set search_path = pg_catalog, pg_temp
as $$
  with rules as (
    select r.key, r.required, r.allowed_values, r.pattern, r.max_length,
           pg_catalog.to_json(r.key)::text as key_literal
      from telemetry.event_metadata_rules as r
     where r.event_name = p_event_name
  ), value_tests as (
    select r.*,
           -- a string, no longer than max_length (regex bounds stop at 255: chain them), and
           -- one of the allowed values or matching the pattern
           '@.value.type() == "string" && !(@.value like_regex '
             || pg_catalog.to_json(pg_catalog.repeat('.{255}', (r.max_length + 1) / 255)
                                   || '.{' || (r.max_length + 1) % 255 || '}')::text
             || ' flag "s")'
             || coalesce(' && (' || (select pg_catalog.string_agg('@.value == ' || pg_catalog.to_json(v.value)::text, ' || ')
                                       from pg_catalog.unnest(r.allowed_values) as v (value)) || ')', '')
             || coalesce(' && @.value like_regex ' || pg_catalog.to_json(r.pattern)::text, '') as test
      from rules as r
  )
  select ('strict !exists($.keyvalue()'
          || coalesce((select ' ? (' || pg_catalog.string_agg('@.key != ' || t.key_literal, ' && ' order by t.key) || ')'
                         from value_tests as t), '')
          || ')'
          || coalesce((select pg_catalog.string_agg(
                                case when t.required then ' && exists($.keyvalue() ? (@.key == ' || t.key_literal || '))' else '' end
                                || ' && !exists($.keyvalue() ? (@.key == ' || t.key_literal || ' && !(' || t.test || ')))',
                                '' order by t.key)
                         from value_tests as t), '')
          -- More than 8 allowed keys: the key count is not in the path; examine such metadata key by key.
          || case when (select count(*) from rules) > 8 then ' && !exists($)' else '' end
         )::jsonpath
$$;
comment on function telemetry.compile_metadata_rule(text) is
  'The event''s metadata allow-list as one strict SQL/JSON path predicate (true: the metadata passes every key rule).';

-- The catalog's compiled rule follows the rules: recomputed on any change of an event or its rules.
create or replace function telemetry.compile_event_metadata_rule() returns trigger
  language plpgsql
  set search_path = pg_catalog, pg_temp
as $$
begin
  new.metadata_rule := telemetry.compile_metadata_rule(new.event_name);
  return new;
end
$$;
comment on function telemetry.compile_event_metadata_rule() is
  'Trigger: sets telemetry.event_catalog.metadata_rule from the event''s metadata rules.';

create or replace trigger compile_metadata_rule
  before insert or update on telemetry.event_catalog
  for each row execute function telemetry.compile_event_metadata_rule();

create or replace function telemetry.recompile_metadata_rules() returns trigger
  language plpgsql
  set search_path = pg_catalog, pg_temp
as $$
begin
  update telemetry.event_catalog as c set metadata_rule = telemetry.compile_metadata_rule(c.event_name);
  return null;
end
$$;
comment on function telemetry.recompile_metadata_rules() is
  'Trigger: recompiles every event''s metadata_rule after its metadata rules change.';

create or replace trigger recompile_metadata_rules
  after insert or update or delete or truncate on telemetry.event_metadata_rules
  for each statement execute function telemetry.recompile_metadata_rules();
