-- The recorder (SPEC §3.3): the single write path of the ledger. It checks everything before it
-- writes anything, so a rejection leaves no trace:
--   TP001 unknown event   TP002 missing workspace/tenant/actor   TP007 caller's workspace context
--   TP006 subject         TP004 metadata                          TP005 occurred_at
--   TP003 workspace/tenant/actor do not exist, are archived or do not belong together
-- Retry safety: a de-duplicated event's milestone (workspace, event, subject [, checkpoint]) has a
-- key in telemetry.event_dedup_keys, unique as one telemetry.milestone value; a retry returns the
-- first event's id while that event is still in the ledger (after it is pruned, the retry records
-- anew). Concurrent retries serialise on the key's insert. (Rows other writers put in the ledger
-- get their keys from telemetry.keep_dedup_key.)
create or replace function telemetry.record_event(
  event_name text,
  workspace_id uuid,
  tenant_id uuid,
  actor_id uuid,
  subject_type text,
  subject_id uuid,
  metadata jsonb default '{}',
  occurred_at timestamptz default now()
) returns uuid
  language plpgsql volatile
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_event telemetry.event_catalog;
  v_caller text := coalesce(nullif(pg_catalog.current_setting('role'), 'none'), session_user);
  v_context text := nullif(pg_catalog.current_setting('tenantpulse.workspace_id', true), '');
  v_admin_plane boolean;
  v_context_matches boolean;
  v_facts record;
  v_other_workspace uuid;
  v_id uuid := pg_catalog.gen_random_uuid();
  v_existing_id uuid;
  v_existing_at timestamptz;
  v_milestone telemetry.milestone;
begin
  -- Every fact the checks need, in one query (this runs for every event); the checks below
  -- then report in their documented order.
  select c as event,
         -- The event's rules compiled to one path answer for safe metadata (sql/telemetry/metadata_rule.sql);
         -- only metadata that path does not pass is examined key by key, to say why.
         case when pg_catalog.jsonb_typeof(record_event.metadata) = 'object'
                   and pg_catalog.octet_length(record_event.metadata::text) <= 1024
                   and pg_catalog.jsonb_path_match(record_event.metadata, c.metadata_rule, silent => true)
              then null
              else telemetry.metadata_violation(record_event.event_name, record_event.metadata) end as metadata_problem,
         (select s.retention_days from telemetry.settings as s) as retention_days,
         w.id is not null as workspace_found, w.archived_at as workspace_archived,
         t.id is not null as tenant_found, t.archived_at as tenant_archived,
         exists (select from platform.users as u where u.id = record_event.actor_id) as actor_found
    into v_facts
    from (values (1)) as one (x)
    left join telemetry.event_catalog as c on c.event_name = record_event.event_name
    left join platform.workspaces as w on w.id = record_event.workspace_id
    -- The tenant by its key in the workspace; only when it is not there (a rejection) is it
    -- looked up by id alone below, to say where it belongs.
    left join platform.tenants as t on t.workspace_id = record_event.workspace_id and t.id = record_event.tenant_id;
  v_event := v_facts.event;
  if v_event.event_name is null then
    raise exception using errcode = 'TP001', message = 'unknown telemetry event',
      detail = pg_catalog.format('event_name %s is not in telemetry.event_catalog', coalesce(pg_catalog.quote_literal(record_event.event_name), 'null'));
  end if;

  if record_event.workspace_id is null or record_event.tenant_id is null or record_event.actor_id is null then
    raise exception using errcode = 'TP002', message = 'telemetry events are tenant-bound and user-initiated',
      detail = pg_catalog.format('%s is null',
        case when record_event.workspace_id is null then 'workspace_id'
             when record_event.tenant_id is null then 'tenant_id' else 'actor_id' end);
  end if;

  -- The admin plane records only for the workspace of its context; any other caller's context,
  -- when set, must name the same workspace.
  v_admin_plane := v_caller = 'tp_admin_plane'
     or (pg_catalog.pg_has_role(v_caller, 'tp_admin_plane', 'member') and not pg_catalog.pg_has_role(v_caller, 'tp_owner', 'member'));
  if v_admin_plane then
    if v_context is null then
      raise exception using errcode = 'TP007', message = 'the admin plane must record within its workspace context',
        detail = pg_catalog.format('tenantpulse.workspace_id is not set; workspace_id is %s', record_event.workspace_id);
    end if;
  end if;
  -- (compared as uuids, as the policies compare it: any spelling of the same workspace matches)
  v_context_matches := case when pg_catalog.pg_input_is_valid(v_context, 'uuid') then v_context::uuid = record_event.workspace_id end;
  if v_context is not null and v_context_matches is not true then
    raise exception using errcode = 'TP007', message = 'workspace_id does not match the workspace context',
      detail = pg_catalog.format('workspace_id %s differs from tenantpulse.workspace_id %s', record_event.workspace_id, v_context);
  end if;

  if record_event.subject_id is null then
    raise exception using errcode = 'TP006', message = 'subject_id is required',
      detail = pg_catalog.format('subject_id is null for %s', v_event.event_name);
  end if;
  if record_event.subject_type is null or not (record_event.subject_type = any (v_event.subject_types)) then
    raise exception using errcode = 'TP006', message = 'subject_type is not allowed for this event',
      detail = pg_catalog.format('subject_type %s is not allowed for %s (allowed: %s)',
        coalesce(pg_catalog.quote_literal(record_event.subject_type), 'null'), v_event.event_name,
        pg_catalog.array_to_string(v_event.subject_types, ', '));
  end if;

  if v_facts.metadata_problem is not null then
    raise exception using errcode = 'TP004', message = 'metadata is not safe', detail = v_facts.metadata_problem;
  end if;

  if record_event.occurred_at is null then
    raise exception using errcode = 'TP005', message = 'occurred_at is required', detail = 'occurred_at is null';
  elsif record_event.occurred_at > pg_catalog.now() + interval '5 minutes' then
    raise exception using errcode = 'TP005', message = 'occurred_at is too far in the future',
      detail = pg_catalog.format('occurred_at %s is more than 5 minutes after now() (%s)', record_event.occurred_at, pg_catalog.now());
  elsif record_event.occurred_at < pg_catalog.now() - pg_catalog.make_interval(hours => 24 * coalesce(v_facts.retention_days, 90)) then
    raise exception using errcode = 'TP005', message = 'occurred_at is older than the retention window',
      detail = pg_catalog.format('occurred_at %s is older than %s days (retention_days)', record_event.occurred_at, coalesce(v_facts.retention_days, 90));
  end if;

  if not v_facts.workspace_found then
    raise exception using errcode = 'TP003', message = 'unknown workspace',
      detail = pg_catalog.format('workspace_id %s does not exist', record_event.workspace_id);
  elsif v_facts.workspace_archived is not null then
    raise exception using errcode = 'TP003', message = 'the workspace is archived',
      detail = pg_catalog.format('workspace_id %s was archived at %s', record_event.workspace_id, v_facts.workspace_archived);
  end if;
  if not v_facts.tenant_found then
    -- The admin plane sees only its own workspace (RLS): it learns that the tenant is not there,
    -- not whether, or where, it exists elsewhere.
    if v_admin_plane then
      raise exception using errcode = 'TP003', message = 'the tenant is not in that workspace',
        detail = pg_catalog.format('tenant_id %s is not a tenant of workspace_id %s', record_event.tenant_id, record_event.workspace_id);
    end if;
    select t.workspace_id into v_other_workspace from platform.tenants as t where t.id = record_event.tenant_id limit 1;
    if v_other_workspace is null then
      raise exception using errcode = 'TP003', message = 'unknown tenant',
        detail = pg_catalog.format('tenant_id %s does not exist', record_event.tenant_id);
    end if;
    raise exception using errcode = 'TP003', message = 'the tenant is not in that workspace',
      detail = pg_catalog.format('tenant_id %s belongs to workspace %s, not workspace_id %s', record_event.tenant_id, v_other_workspace, record_event.workspace_id);
  elsif v_facts.tenant_archived is not null then
    raise exception using errcode = 'TP003', message = 'the tenant is archived',
      detail = pg_catalog.format('tenant_id %s was archived at %s', record_event.tenant_id, v_facts.tenant_archived);
  end if;
  if not v_facts.actor_found then
    raise exception using errcode = 'TP003', message = 'unknown actor',
      detail = pg_catalog.format('actor_id %s does not exist', record_event.actor_id);
  end if;

  -- Every check passed: write. A day without partitions (backdated events of a new deployment,
  -- or a job runner down for over a week) lands in the default partitions, counted like any
  -- other; the recorder creates no tables, so it never locks the parent tables for DDL.
  if v_event.deduplicated then
    v_milestone := (record_event.workspace_id, v_event.event_name, record_event.subject_id,
                    coalesce(record_event.metadata ->> v_event.dedup_metadata_key, ''));
    loop
      insert into telemetry.event_dedup_keys as k (workspace_id, event_name, subject_id, dedup_value, event_id, occurred_at)
      values (v_milestone.workspace_id, v_milestone.event_name, v_milestone.subject_id, v_milestone.dedup_value, v_id, record_event.occurred_at)
      on conflict do nothing;
      exit when found;
      -- A retry (possibly concurrent: the insert above waited for the first to commit). The key
      -- is found by the same milestone value its constraint's hash index holds.
      select k.event_id, k.occurred_at into v_existing_id, v_existing_at
        from telemetry.event_dedup_keys as k
       where (k.workspace_id, k.event_name, k.subject_id, k.dedup_value)::telemetry.milestone = v_milestone
         for update;
      if found then
        perform from telemetry.product_usage_events as e
         where e.workspace_id = record_event.workspace_id and e.id = v_existing_id and e.occurred_at = v_existing_at;
        if found then
          return v_existing_id;
        end if;
        -- The first event has been pruned: this retry records anew, under the key it holds locked.
        update telemetry.event_dedup_keys as k
           set event_id = v_id, occurred_at = record_event.occurred_at
         where (k.workspace_id, k.event_name, k.subject_id, k.dedup_value)::telemetry.milestone = v_milestone;
        exit;
      end if;
      -- The key was collected (prune_dedup_keys) between the insert and the lock: insert it again,
      -- so the event is never written without its key.
    end loop;
  end if;

  -- The key is written: telemetry.keep_dedup_key, which keys every other writer's rows, skips this one.
  perform pg_catalog.set_config('tenantpulse.keyed_event_id', v_id::text, true);
  insert into telemetry.product_usage_events
    (workspace_id, id, event_name, tenant_id, actor_id, subject_type, subject_id, metadata, occurred_at)
  values
    (record_event.workspace_id, v_id, v_event.event_name, record_event.tenant_id, record_event.actor_id,
     record_event.subject_type, record_event.subject_id, record_event.metadata, record_event.occurred_at);
  perform pg_catalog.set_config('tenantpulse.keyed_event_id', '', true);
  return v_id;
end
$$;
comment on function telemetry.record_event(text, uuid, uuid, uuid, text, uuid, jsonb, timestamptz) is
  'Records a product usage event (the single write path) and returns its id; a retry of a de-duplicated milestone returns the first id. '
  'Rejects with TP001-TP007 (DETAIL names the field or key) and then writes nothing.';
grant execute on function telemetry.record_event(text, uuid, uuid, uuid, text, uuid, jsonb, timestamptz) to tp_admin_plane, tp_owner;
