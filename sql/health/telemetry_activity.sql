-- Telemetry facts health needs, per workspace, without handing any plane a raw event: the time
-- of the latest event and the request events of a window. telemetry.event_counts answers the
-- same questions for every workspace at once; these answer them for the given workspaces with
-- index probes ((workspace_id, occurred_at) on the ledger), which the card (< 20 ms) and the
-- dashboard (< 300 ms) need. Definers (the ledger is the owner's), pinned search_path; only
-- aggregates leave them, and only events of active tenants count. Planned per call
-- (force_custom_plan): a generic plan cannot prune the ledger's daily partitions.

-- The latest event at or before p_as_of and after p_after, per given workspace (null: none).
-- Probed in two steps, each planned with its own bounds so that it plans and touches only its
-- own daily partitions: the last 2 days for every workspace (most are answered there), then the
-- rest of the range for the workspaces not answered yet (skipped when there are none).
create or replace function health.last_event_at(p_workspace_ids uuid[], p_after timestamptz, p_as_of timestamptz)
  returns table (workspace_id uuid, last_event_at timestamptz)
  language plpgsql stable security definer parallel safe
  set search_path = pg_catalog, pg_temp
  set plan_cache_mode = force_custom_plan
  -- Over a few partitions the planner would rather sort a workspace's events than walk its
  -- index backwards and stop at the first event of an active tenant (which is what we want).
  set enable_sort = off
  set enable_bitmapscan = off
as $$
declare
  v_pending uuid[] := coalesce(p_workspace_ids, '{}');
  v_upper timestamptz := p_as_of;
  v_lower timestamptz;
  v_step interval;
  v_found_ids uuid[];
  v_found_at timestamptz[];
begin
  foreach v_step in array array[interval '48 hours', null::interval] loop
    exit when pg_catalog.cardinality(v_pending) = 0 or v_upper <= p_after;
    v_lower := case when v_step is null then p_after else greatest(p_after, v_upper - v_step) end;
    select coalesce(pg_catalog.array_agg(f.id), '{}'), coalesce(pg_catalog.array_agg(f.at), '{}')
      into v_found_ids, v_found_at
      from (select w.id,
                   (select e.occurred_at
                      from telemetry.product_usage_events as e
                     where e.workspace_id = w.id
                       and e.occurred_at > v_lower and e.occurred_at <= v_upper
                       and exists (select from platform.tenants as t
                                    where t.workspace_id = e.workspace_id and t.id = e.tenant_id and t.archived_at is null)
                     order by e.occurred_at desc
                     limit 1) as at
              from unnest(v_pending) as w (id)) as f
     where f.at is not null;
    return query select u.id, u.at from unnest(v_found_ids, v_found_at) as u (id, at);
    v_pending := array(select p.id from unnest(v_pending) as p (id) except all select f.id from unnest(v_found_ids) as f (id));
    v_upper := v_lower;
  end loop;
  return query select p.id, null::timestamptz from unnest(v_pending) as p (id);
end
$$;
comment on function health.last_event_at(uuid[], timestamptz, timestamptz) is
  'Per given workspace: occurred_at of its latest event (of an active tenant) in (p_after, p_as_of], or null.';
grant execute on function health.last_event_at(uuid[], timestamptz, timestamptz) to tp_system_operator;

-- review_packs.generation_requested events in (p_from, p_to] per given workspace (active
-- tenants only): how many, and the distinct tenants that made them (sorted). Read from the
-- partial index product_usage_events_review_requests_idx (migrations/draft/health_perf_indexes.sql).
-- No workspace given (the card of a workspace with a pack in the window): nothing is planned.
create or replace function health.review_pack_requests(p_workspace_ids uuid[], p_from timestamptz, p_to timestamptz)
  returns table (workspace_id uuid, request_events int, tenant_ids uuid[])
  language plpgsql stable security definer parallel safe
  set search_path = pg_catalog, pg_temp
  set plan_cache_mode = force_custom_plan
as $$
begin
  if coalesce(pg_catalog.cardinality(p_workspace_ids), 0) = 0 then
    return;
  end if;
  return query
  select e.workspace_id, count(*)::int, pg_catalog.array_agg(distinct e.tenant_id order by e.tenant_id)
    from unnest(p_workspace_ids) as w (id)
    join telemetry.product_usage_events as e
      on e.workspace_id = w.id and e.occurred_at > p_from and e.occurred_at <= p_to
     and e.event_name = 'review_packs.generation_requested'
    join platform.tenants as t on t.workspace_id = e.workspace_id and t.id = e.tenant_id and t.archived_at is null
   group by e.workspace_id;
end
$$;
comment on function health.review_pack_requests(uuid[], timestamptz, timestamptz) is
  'Per given workspace: review_packs.generation_requested events (of active tenants) in (p_from, p_to], and their distinct tenants.';
grant execute on function health.review_pack_requests(uuid[], timestamptz, timestamptz) to tp_system_operator;
