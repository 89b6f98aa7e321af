-- Per-tenant dimensions roll up by precedence over the workspace's active tenants (SPEC §4.2):
-- the workspace takes the worst tenant level (health.severity); no active tenant is unknown. The
-- reason names the most telling verdict at that level (lowest priority, then code) counted over
-- all tenants ("1 of 3 tenants has revoked consent"); the evidence counts tenants per level and
-- per reason and lists at most 5 tenants at the level (sorted). A single tenant at the level is
-- the attributed tenant (the next link may point at it, SPEC §4.3).
-- Set-based: one call per dimension with every tenant's verdict, not one per workspace.
-- p_with_evidence = false leaves evidence null: the summaries (dashboard, KPIs) do not show it,
-- and building it is most of a roll-up's cost.
create or replace function health.roll_up_tenants(
  p_workspace_id uuid, p_no_tenant_code text, p_verdicts health.tenant_result[], p_with_evidence boolean default true
)
  returns table (workspace_id uuid, level health.level, reason_code text, reason text, evidence jsonb, attributed_tenant_id uuid)
  language sql stable parallel safe
  -- Its plan is cached for the session and, after five calls, reused for any array (a generic
  -- plan): planning it anew took ~1 ms, six times per card. A generic plan guesses 10 verdicts;
  -- hash and merge joins only, so the dashboard's 10,000 do not meet a nested loop.
  set enable_nestloop = off
as $$
  -- One sorted pass: each workspace's verdicts ordered most telling first (worst level, then
  -- priority, code, tenant). The first is the reason; the verdicts at its level, and those with
  -- its code, lead the arrays.
  with per_workspace as (
    select u.workspace_id,
           count(*)::int as tenants,
           (count(*) filter (where u.level = 'ok'))::int as ok,
           (count(*) filter (where u.level = 'warn'))::int as warn,
           (count(*) filter (where u.level = 'critical'))::int as critical,
           (count(*) filter (where u.level = 'unknown'))::int as unknown,
           pg_catalog.array_agg(u.level order by health.severity(u.level) desc, u.priority, u.reason_code, u.tenant_id) as levels,
           pg_catalog.array_agg(u.reason_code order by health.severity(u.level) desc, u.priority, u.reason_code, u.tenant_id) as codes,
           pg_catalog.array_agg(u.tenant_id order by health.severity(u.level) desc, u.priority, u.reason_code, u.tenant_id) as tenant_ids,
           pg_catalog.array_agg(u.phrase_one order by health.severity(u.level) desc, u.priority, u.reason_code, u.tenant_id) as phrases_one,
           pg_catalog.array_agg(u.phrase_many order by health.severity(u.level) desc, u.priority, u.reason_code, u.tenant_id) as phrases_many
      from pg_catalog.unnest(p_verdicts) as u
     group by u.workspace_id
  ),
  counted as (
    select p.*,
           pg_catalog.cardinality(pg_catalog.array_positions(p.levels, p.levels[1])) as n_level,
           (select count(*)::int from rows from (pg_catalog.unnest(p.levels), pg_catalog.unnest(p.codes)) as x (level, code)
             where x.level = p.levels[1] and x.code = p.codes[1]) as n_code
      from per_workspace as p
  )
  select w.id,
         coalesce(c.levels[1], 'unknown'),
         coalesce(c.codes[1], p_no_tenant_code),
         case when c.workspace_id is null then 'The workspace has no active tenant'
              else pg_catalog.format('%s of %s %s %s', c.n_code, c.tenants,
                     case when c.tenants = 1 then 'tenant' else 'tenants' end,
                     case when c.n_code = 1 then c.phrases_one[1] else c.phrases_many[1] end)
         end,
         case when p_with_evidence then pg_catalog.jsonb_build_object(
           'tenants', coalesce(c.tenants, 0), 'ok', coalesce(c.ok, 0), 'warn', coalesce(c.warn, 0),
           'critical', coalesce(c.critical, 0), 'unknown', coalesce(c.unknown, 0),
           'by_reason', coalesce((select pg_catalog.jsonb_object_agg(r.code, r.n)
                                    from (select x.code, count(*) as n from pg_catalog.unnest(c.codes) as x (code) group by x.code) as r),
                                 '{}'),
           'tenant_ids', coalesce((select pg_catalog.jsonb_agg(t.id order by t.id)
                                     from (select x.id from pg_catalog.unnest(c.tenant_ids[1:c.n_level]) as x (id) order by x.id limit 5) as t),
                                  '[]')) end,
         case when c.n_level = 1 then c.tenant_ids[1] end
    from health.active_workspaces(p_workspace_id) as w
    left join counted as c on c.workspace_id = w.id
$$;
comment on function health.roll_up_tenants(uuid, text, health.tenant_result[], boolean) is
  'Rolls per-tenant verdicts up to every active workspace (or the one given): worst level, reason of the most telling verdict at that level, evidence, and the attributed tenant when exactly one is at the level.';
grant execute on function health.roll_up_tenants(uuid, text, health.tenant_result[], boolean) to tp_system_operator;
