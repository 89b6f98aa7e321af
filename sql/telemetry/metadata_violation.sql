-- Safe metadata (SPEC §3.2), as data-driven checks against telemetry.event_metadata_rules.
-- metadata_violation() returns null when the metadata is safe for the event, else one sentence
-- naming the offending key and why; check_metadata() raises TP004 with that sentence as DETAIL.
create or replace function telemetry.metadata_violation(p_event_name text, p_metadata jsonb) returns text
  language plpgsql stable
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_pair record;
begin
  if p_metadata is null then
    return 'metadata is null (use {} for none)';
  end if;
  if pg_catalog.jsonb_typeof(p_metadata) <> 'object' then
    return pg_catalog.format('metadata must be a JSON object, not %s', pg_catalog.jsonb_typeof(p_metadata));
  end if;
  if pg_catalog.jsonb_array_length(pg_catalog.jsonb_path_query_array(p_metadata, '$.keyvalue()')) > 8 then
    return 'metadata has more than 8 keys';
  end if;
  if pg_catalog.octet_length(p_metadata::text) > 1024 then
    return pg_catalog.format('metadata is %s bytes serialised, more than 1 KiB', pg_catalog.octet_length(p_metadata::text));
  end if;
  -- One query (the recorder runs this for every event): each key with its rule, in key order,
  -- then the event's rules no key matched (a missing required key).
  for v_pair in
    select e.key, e.value, r.key as rule_key, r.max_length, r.allowed_values, r.pattern, r.required
      from pg_catalog.jsonb_each(p_metadata) as e
      full join (select * from telemetry.event_metadata_rules as r where r.event_name = p_event_name) as r on r.key = e.key
     order by e.key is null, coalesce(e.key, r.key)
  loop
    if v_pair.key is null then
      if v_pair.required then
        return pg_catalog.format('key "%s" is required for %s', v_pair.rule_key, p_event_name);
      end if;
    elsif v_pair.rule_key is null then
      return pg_catalog.format('key "%s" is not allowed for %s (allowed: %s)', v_pair.key, p_event_name,
        coalesce((select pg_catalog.string_agg(r.key, ', ' order by r.key) from telemetry.event_metadata_rules as r
                   where r.event_name = p_event_name), 'none'));
    elsif pg_catalog.jsonb_typeof(v_pair.value) <> 'string' then
      return pg_catalog.format('key "%s" must be a string, not %s', v_pair.key, pg_catalog.jsonb_typeof(v_pair.value));
    elsif pg_catalog.length(v_pair.value #>> '{}') > v_pair.max_length then
      return pg_catalog.format('key "%s" is longer than %s characters', v_pair.key, v_pair.max_length);
    elsif v_pair.allowed_values is not null and not ((v_pair.value #>> '{}') = any (v_pair.allowed_values)) then
      return pg_catalog.format('key "%s" must be one of %s', v_pair.key, pg_catalog.array_to_string(v_pair.allowed_values, ', '));
    elsif v_pair.pattern is not null and (v_pair.value #>> '{}') !~ v_pair.pattern then
      return pg_catalog.format('key "%s" must match %s', v_pair.key, v_pair.pattern);
    end if;
  end loop;
  return null;
end
$$;
comment on function telemetry.metadata_violation(text, jsonb) is
  'Why metadata is not safe for the event (naming the key and the rule), or null when it is safe (SPEC §3.2).';
grant execute on function telemetry.metadata_violation(text, jsonb) to tp_admin_plane, tp_system_operator, tp_dba_reader, tp_worker;

create or replace function telemetry.check_metadata(p_event_name text, p_metadata jsonb) returns void
  language plpgsql stable
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_problem text := telemetry.metadata_violation(p_event_name, p_metadata);
begin
  if v_problem is not null then
    raise exception using errcode = 'TP004', message = 'metadata is not safe', detail = v_problem;
  end if;
end
$$;
comment on function telemetry.check_metadata(text, jsonb) is
  'Raises TP004 (DETAIL names the key and why) unless the metadata is safe for the event.';
grant execute on function telemetry.check_metadata(text, jsonb) to tp_admin_plane, tp_system_operator, tp_dba_reader, tp_worker;
