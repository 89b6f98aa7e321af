-- Exact event counts for any half-open interval (p_from, p_to], from whole UTC days of the rollup
-- plus the raw ledger rows of the partial days at both edges. Raw: no archived filtering (callers
-- filter; telemetry.active_usage_counts does it for the usage summary).
create or replace function telemetry.event_counts(p_from timestamptz, p_to timestamptz)
  returns table (workspace_id uuid, tenant_id uuid, event_name text, event_count bigint)
  language plpgsql stable
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  -- whole buckets [v_lo, v_hi): the first day starting after p_from up to the day holding p_to
  v_lo timestamptz := pg_catalog.date_bin('1 day', p_from, timestamptz '2000-01-01 00:00:00+00') + interval '24 hours';
  v_hi timestamptz := pg_catalog.date_bin('1 day', p_to, timestamptz '2000-01-01 00:00:00+00');
begin
  return query
  select c.workspace_id, c.tenant_id, c.event_name, sum(c.n)::bigint
    from (
      select r.workspace_id, r.tenant_id, r.event_name, r.event_count as n
        from telemetry.usage_daily_rollup as r
       where r.bucket_start >= v_lo and r.bucket_start < v_hi
      union all
      select e.workspace_id, e.tenant_id, e.event_name, 1::bigint
        from telemetry.product_usage_events as e
       where e.occurred_at > p_from and e.occurred_at <= p_to and e.occurred_at < v_lo
      union all
      select e.workspace_id, e.tenant_id, e.event_name, 1::bigint
        from telemetry.product_usage_events as e
       where e.occurred_at > p_from and e.occurred_at <= p_to and e.occurred_at >= greatest(v_hi, v_lo)
    ) as c
   group by c.workspace_id, c.tenant_id, c.event_name
  having sum(c.n) > 0;
end
$$;
comment on function telemetry.event_counts(timestamptz, timestamptz) is
  'Exact number of ledger events with occurred_at in (p_from, p_to], per workspace, tenant and event (raw: archived ones included). '
  'Whole UTC days come from the rollup, the partial days at the edges from the ledger.';
grant execute on function telemetry.event_counts(timestamptz, timestamptz) to tp_owner, tp_system_operator;

-- The same, for a few workspaces only (reads their rollup rows and ledger rows by index): used to
-- take archived workspaces and tenants out of the console's totals.
create or replace function telemetry.workspace_event_counts(p_workspace_ids uuid[], p_from timestamptz, p_to timestamptz)
  returns table (workspace_id uuid, tenant_id uuid, event_name text, event_count bigint)
  language plpgsql stable
  security definer
  set search_path = pg_catalog, pg_temp
  -- A generic plan covers every daily partition (planning it costs ~0.2 s at 90 days); a plan
  -- for the given bounds touches only theirs.
  set plan_cache_mode = force_custom_plan
as $$
declare
  v_lo timestamptz := pg_catalog.date_bin('1 day', p_from, timestamptz '2000-01-01 00:00:00+00') + interval '24 hours';
  v_hi timestamptz := pg_catalog.date_bin('1 day', p_to, timestamptz '2000-01-01 00:00:00+00');
begin
  if coalesce(pg_catalog.cardinality(p_workspace_ids), 0) = 0 then
    return; -- no workspace: nothing to plan
  end if;
  return query
  select c.workspace_id, c.tenant_id, c.event_name, sum(c.n)::bigint
    from (
      select r.workspace_id, r.tenant_id, r.event_name, r.event_count as n
        from telemetry.usage_daily_rollup as r
       where r.workspace_id = any (p_workspace_ids) and r.bucket_start >= v_lo and r.bucket_start < v_hi
      union all
      select e.workspace_id, e.tenant_id, e.event_name, 1::bigint
        from telemetry.product_usage_events as e
       where e.workspace_id = any (p_workspace_ids)
         and e.occurred_at > p_from and e.occurred_at <= p_to and e.occurred_at < v_lo
      union all
      select e.workspace_id, e.tenant_id, e.event_name, 1::bigint
        from telemetry.product_usage_events as e
       where e.workspace_id = any (p_workspace_ids)
         and e.occurred_at > p_from and e.occurred_at <= p_to and e.occurred_at >= greatest(v_hi, v_lo)
    ) as c
   group by c.workspace_id, c.tenant_id, c.event_name
  having sum(c.n) > 0;
end
$$;
comment on function telemetry.workspace_event_counts(uuid[], timestamptz, timestamptz) is
  'event_counts restricted to the given workspaces: ledger events in (p_from, p_to] per workspace, tenant and event.';
grant execute on function telemetry.workspace_event_counts(uuid[], timestamptz, timestamptz) to tp_owner, tp_system_operator;
