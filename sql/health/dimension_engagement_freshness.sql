-- Dimension 6, engagement freshness (SPEC §4.2), over a window (p_as_of - p_length, p_as_of],
-- from telemetry (events of active tenants): >= 1 event in the window: ok; none in the window but
-- some within retention (p_as_of - retention_days, p_as_of]: warn; none within retention:
-- critical when the workspace is older than the window (created at or before its start), else
-- unknown. Decided by the latest event at or before p_as_of (health.last_event_at), searched
-- back over the longer of the window and retention (an event in the window counts even when a
-- shortened retention has not been pruned to yet, as the usage summary counts it), which is
-- also the evidence. Never attributable to one tenant.
create or replace function health.dimension_engagement_freshness(
  p_as_of timestamptz, p_length interval, p_workspace_id uuid default null
)
  returns table (workspace_id uuid, level health.level, reason_code text, reason text, evidence jsonb, attributed_tenant_id uuid)
  language sql stable parallel safe
as $$
  with workspaces as (
    select w.id, w.created_at from health.active_workspaces(p_workspace_id) as w
  ),
  retention as (
    select health.retention_days() as days
  ),
  judged as (
    select w.id as workspace_id, w.created_at <= p_as_of - p_length as older_than_window, r.days, l.last_event_at,
           l.last_event_at > p_as_of - p_length as in_window
      from workspaces as w
      cross join retention as r
      left join health.last_event_at(
        array(select w2.id from workspaces as w2),
        p_as_of - greatest(p_length, pg_catalog.make_interval(days => (select r2.days from retention as r2))),
        p_as_of) as l on l.workspace_id = w.id
  )
  select j.workspace_id,
         case when j.in_window then 'ok'::health.level
              when j.last_event_at is not null then 'warn'
              when j.older_than_window then 'critical'
              else 'unknown' end,
         case when j.in_window then 'engagement.active'
              when j.last_event_at is not null then 'engagement.quiet'
              when j.older_than_window then 'engagement.dormant'
              else 'engagement.too_new' end,
         case when j.in_window then 'Events in the window'
              when j.last_event_at is not null then
                -- An absolute time: the same data gives the same reason on every read.
                pg_catalog.format('No events in the window; the last one at %s',
                  pg_catalog.to_char(j.last_event_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'))
              when j.older_than_window then pg_catalog.format('No events in the last %s days', j.days)
              else 'No events yet, and the workspace is younger than the window' end,
         pg_catalog.jsonb_build_object(
           'last_event_at', j.last_event_at, 'retention_days', j.days, 'older_than_window', j.older_than_window),
         null::uuid
    from judged as j
$$;
comment on function health.dimension_engagement_freshness(timestamptz, interval, uuid) is
  'Engagement freshness per active workspace (or the one given) over the window (p_as_of - p_length, p_as_of], from the latest telemetry event.';
grant execute on function health.dimension_engagement_freshness(timestamptz, interval, uuid) to tp_system_operator, tp_dba_reader;
