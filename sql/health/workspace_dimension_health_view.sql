-- DBA view (SPEC §4.3): one row per active workspace × dimension, for the window in setting
-- tenantpulse.health_window (default last_24_hours). Read through a function
-- that runs as the owner, so the reader needs no access to the platform tables health derives
-- from (SPEC §1: the DBA reads the health views and catalogs), and that turns JIT off: these
-- plans are big but cheap to run.
create or replace function health.configured_evaluation()
  returns table (workspace_id uuid, dimension text, level health.level, reason_code text, reason text, evidence jsonb)
  language sql stable parallel safe
  security definer
  set search_path = pg_catalog, pg_temp
  set jit = off
  set plan_cache_mode = force_custom_plan
as $$
  select e.workspace_id, e.dimension, e.level, e.reason_code, e.reason, e.evidence
    from health.evaluate(health.configured_window()) as e
   order by e.workspace_id, e.display_order
$$;
comment on function health.configured_evaluation() is
  'health.evaluate for the window in setting tenantpulse.health_window (the DBA view health.workspace_dimension_health).';
grant execute on function health.configured_evaluation() to tp_dba_reader;

create or replace view health.workspace_dimension_health with (security_invoker = true) as
  select e.workspace_id, e.dimension, e.level, e.reason_code, e.reason, e.evidence
    from health.configured_evaluation() as e;
comment on view health.workspace_dimension_health is
  'Health of every active workspace on each dimension, for the window in setting tenantpulse.health_window (default last_24_hours). Derived on read.';
comment on column health.workspace_dimension_health.workspace_id is 'The workspace (active ones only).';
comment on column health.workspace_dimension_health.dimension is 'Dimension key (health.dimensions.key).';
comment on column health.workspace_dimension_health.level is 'ok, warn, critical or unknown (missing or stale truth is unknown).';
comment on column health.workspace_dimension_health.reason_code is 'Stable reason code, e.g. provider.consent_revoked.';
comment on column health.workspace_dimension_health.reason is 'Human reason, e.g. "1 of 3 tenants have revoked consent".';
comment on column health.workspace_dimension_health.evidence is 'Counts and the ids of at most 5 contributing tenants or rows.';
grant select on health.workspace_dimension_health to tp_dba_reader;
