-- Dimension 2, provider connection health (SPEC §4.2), point in time, per tenant, worst
-- connection: none: unknown; consent revoked or verification failed: critical; consent pending,
-- verification unverified, or last_verified_at null or older than (strictly more than)
-- provider_verification_stale_days: warn; else ok. Rolled up over active tenants.
create or replace function health.dimension_provider_connection_health(p_workspace_id uuid default null, p_with_evidence boolean default true)
  returns table (workspace_id uuid, level health.level, reason_code text, reason text, evidence jsonb, attributed_tenant_id uuid)
  language sql stable parallel safe
as $$
  select r.*
    from health.roll_up_tenants(p_workspace_id, 'provider.no_active_tenant', array(
      select case
               when c.first_rule is null then
                 row(t.workspace_id, t.id, 'unknown', 'provider.no_connection', 'has no provider connection', 'have no provider connection', 1)::health.tenant_result
               when c.first_rule = 1 then
                 row(t.workspace_id, t.id, 'critical', 'provider.consent_revoked', 'has revoked consent', 'have revoked consent', 1)::health.tenant_result
               when c.first_rule = 2 then
                 row(t.workspace_id, t.id, 'critical', 'provider.verification_failed', 'has a failed verification', 'have a failed verification', 2)::health.tenant_result
               when c.first_rule = 3 then
                 row(t.workspace_id, t.id, 'warn', 'provider.consent_pending', 'has consent pending', 'have consent pending', 1)::health.tenant_result
               when c.first_rule = 4 then
                 row(t.workspace_id, t.id, 'warn', 'provider.unverified', 'has an unverified connection', 'have an unverified connection', 2)::health.tenant_result
               when c.first_rule = 5 then
                 row(t.workspace_id, t.id, 'warn', 'provider.verification_stale',
                     pg_catalog.format('has a connection not verified in the last %s days', st.provider_verification_stale_days),
                     pg_catalog.format('have a connection not verified in the last %s days', st.provider_verification_stale_days), 3)::health.tenant_result
               else
                 row(t.workspace_id, t.id, 'ok', 'provider.healthy', 'has healthy connections', 'have healthy connections', 1)::health.tenant_result
             end
        from health.active_tenants(p_workspace_id) as t
        cross join health.settings as st
        left join (
          -- Each connection ranked by the first rule it meets (1 revoked, 2 verification failed,
          -- 3 consent pending, 4 unverified, 5 verification stale, 6 healthy); a tenant's verdict
          -- is the first rule any of its connections meets, i.e. the least rank.
          select pc.workspace_id, pc.tenant_id,
                 min(case when pc.consent_status = 'revoked' then 1
                          when pc.verification_status = 'failed' then 2
                          when pc.consent_status = 'pending' then 3
                          when pc.verification_status = 'unverified' then 4
                          when pc.last_verified_at is null
                               or pc.last_verified_at < pg_catalog.now() - pg_catalog.make_interval(hours => 24 * s2.provider_verification_stale_days) then 5
                          else 6 end) as first_rule
            from (select pc.* from platform.provider_connections as pc where p_workspace_id is null
                  union all
                  select pc.* from platform.provider_connections as pc where pc.workspace_id = p_workspace_id) as pc
            cross join health.settings as s2
           group by pc.workspace_id, pc.tenant_id
        ) as c on c.workspace_id = t.workspace_id and c.tenant_id = t.id
    ), p_with_evidence) as r
$$;
comment on function health.dimension_provider_connection_health(uuid, boolean) is
  'p_with_evidence = false: evidence null. Provider connection health per active workspace (or the one given): worst connection verdict over its active tenants.';
grant execute on function health.dimension_provider_connection_health(uuid, boolean) to tp_system_operator;
