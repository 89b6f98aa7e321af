-- Per-tenant dimensions roll up by precedence over the workspace's active tenants (SPEC §4.2):
-- the workspace takes the worst tenant level (health.severity); no active tenant is unknown. The
-- reason names the most telling verdict at that level (lowest priority, then code) counted over
-- all tenants ("1 of 3 tenants has revoked consent"); the evidence counts tenants per level and
-- per reason and lists at most 5 tenants at the level (sorted). A single tenant at the level is
-- the attributed tenant (the next link may point at it, SPEC §4.3).
-- Set-based: one call per dimension with every tenant's verdict, not one per workspace.
create or replace function health.roll_up_tenants(
  p_workspace_id uuid, p_no_tenant_code text, p_verdicts health.tenant_result[]
)
  returns table (workspace_id uuid, level health.level, reason_code text, reason text, evidence jsonb, attributed_tenant_id uuid)
  language sql stable parallel safe
  -- Called with the verdicts of every tenant: a generic plan (reused after 5 calls) would not
  -- know the array's size, guess 10 rows and pick nested loops.
  set plan_cache_mode = force_custom_plan
as $$
  with v as (
    select u.*, health.severity(u.level) as severity from unnest(p_verdicts) as u
  ),
  per_workspace as (
    select v.workspace_id, count(*)::int as tenants, max(v.severity) as worst,
           (count(*) filter (where v.level = 'ok'))::int as ok,
           (count(*) filter (where v.level = 'warn'))::int as warn,
           (count(*) filter (where v.level = 'critical'))::int as critical,
           (count(*) filter (where v.level = 'unknown'))::int as unknown
      from v
     group by v.workspace_id
  ),
  at_level as (
    select v.*,
           count(*) over (partition by v.workspace_id) as n_level,
           count(*) over (partition by v.workspace_id, v.reason_code) as n_code,
           pg_catalog.row_number() over (partition by v.workspace_id order by v.priority, v.reason_code, v.tenant_id) as code_rank,
           pg_catalog.row_number() over (partition by v.workspace_id order by v.tenant_id) as id_rank
      from v
      join per_workspace as p on p.workspace_id = v.workspace_id and v.severity = p.worst
  ),
  top as (
    select a.workspace_id,
           (pg_catalog.array_agg(a.level) filter (where a.code_rank = 1))[1] as level,
           (pg_catalog.array_agg(a.reason_code) filter (where a.code_rank = 1))[1] as reason_code,
           (pg_catalog.array_agg(case when a.n_code = 1 then a.phrase_one else a.phrase_many end) filter (where a.code_rank = 1))[1] as phrase,
           (pg_catalog.array_agg(a.n_code) filter (where a.code_rank = 1))[1] as n_code,
           max(a.n_level) as n_level,
           pg_catalog.jsonb_agg(a.tenant_id order by a.tenant_id) filter (where a.id_rank <= 5) as tenant_ids,
           (pg_catalog.array_agg(a.tenant_id) filter (where a.id_rank = 1))[1] as first_tenant
      from at_level as a
     group by a.workspace_id
  ),
  reasons as (
    select r.workspace_id, pg_catalog.jsonb_object_agg(r.reason_code, r.n) as by_reason
      from (select v.workspace_id, v.reason_code, count(*) as n from v group by v.workspace_id, v.reason_code) as r
     group by r.workspace_id
  )
  select w.id,
         coalesce(t.level, 'unknown'),
         coalesce(t.reason_code, p_no_tenant_code),
         case when t.workspace_id is null then 'The workspace has no active tenant'
              else pg_catalog.format('%s of %s %s %s', t.n_code, p.tenants,
                     case when p.tenants = 1 then 'tenant' else 'tenants' end, t.phrase)
         end,
         pg_catalog.jsonb_build_object(
           'tenants', coalesce(p.tenants, 0), 'ok', coalesce(p.ok, 0), 'warn', coalesce(p.warn, 0),
           'critical', coalesce(p.critical, 0), 'unknown', coalesce(p.unknown, 0),
           'by_reason', coalesce(r.by_reason, '{}'), 'tenant_ids', coalesce(t.tenant_ids, '[]')),
         case when t.n_level = 1 then t.first_tenant end
    from platform.workspaces as w
    left join per_workspace as p on p.workspace_id = w.id
    left join top as t on t.workspace_id = w.id
    left join reasons as r on r.workspace_id = w.id
   where w.archived_at is null
     and (p_workspace_id is null or w.id = p_workspace_id)
$$;
comment on function health.roll_up_tenants(uuid, text, health.tenant_result[]) is
  'Rolls per-tenant verdicts up to every active workspace (or the one given): worst level, reason of the most telling verdict at that level, evidence, and the attributed tenant when exactly one is at the level.';
grant execute on function health.roll_up_tenants(uuid, text, health.tenant_result[]) to tp_system_operator, tp_dba_reader;
