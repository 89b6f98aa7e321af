-- Dimension 6, engagement freshness (SPEC §4.2), over a window (p_as_of - p_length, p_as_of],
-- from telemetry (events of active tenants): >= 1 event in the window: ok; none in the window but
-- some within retention: warn; none within retention: critical when the workspace is older than
-- the window (created at or before its start), else unknown. "Within retention" is what the
-- recorder accepts and the prune keeps: not older than p_as_of - retention_days (the cutoff
-- itself is in), and, when judged now, any event recorded ahead of now() too (the recorder accepts
-- up to 5 minutes; the owner may write further ahead. As of an earlier p_as_of, for the previous
-- window, later events had not happened yet). Decided by the
-- latest event at or before p_as_of (health.last_event_at), searched back over the longer of the
-- window and retention (an event in the window counts even when a shortened retention has not
-- been pruned to yet, as the usage summary counts it). Evidence: that time and, on cards and the
-- DBA view (p_with_evidence), the number of events in the window. Never attributable to one tenant.
create or replace function health.dimension_engagement_freshness(
  p_as_of timestamptz, p_length interval, p_workspace_id uuid default null, p_with_evidence boolean default true
)
  returns table (workspace_id uuid, level health.level, reason_code text, reason text, evidence jsonb, attributed_tenant_id uuid)
  language sql stable parallel safe
as $$
  with workspaces as (
    select w.id, w.created_at from health.active_workspaces(p_workspace_id) as w
  ),
  bounds as (
    select r.days, p_as_of - pg_catalog.make_interval(hours => 24 * r.days) as retained_from
      from (select health.retention_days() as days) as r
  ),
  latest as (
    -- last_event_at takes an exclusive lower bound; timestamptz counts whole microseconds, so
    -- "after retained_from - 1 µs" is exactly "at or after retained_from".
    select l.workspace_id, l.last_event_at
      from health.last_event_at(
             array(select w.id from workspaces as w),
             least(p_as_of - p_length, (select b.retained_from - interval '1 microsecond' from bounds as b)),
             p_as_of) as l
  ),
  ahead as (
    -- judged now: the events recorded ahead of now(), for the workspaces with none retained before
    select a.workspace_id, a.last_event_at
      from health.last_event_at(
             array(select l.workspace_id from latest as l, bounds as b
                    where p_as_of >= pg_catalog.now() and (l.last_event_at is null or l.last_event_at < b.retained_from)),
             p_as_of, 'infinity') as a
     where a.last_event_at is not null
  ),
  counts as (
    -- events (of active tenants) in the window, for the evidence only; the tenants come from
    -- the scoped read (health.active_tenants), so a card's plan reads its workspace's by index
    -- and never every tenant
    select t.workspace_id, sum(c.event_count) as events
      from health.active_tenants(p_workspace_id) as t
      join telemetry.workspace_event_counts(
             case when p_with_evidence then array(select w2.id from workspaces as w2) else '{}' end,
             p_as_of - p_length, p_as_of) as c on c.workspace_id = t.workspace_id and c.tenant_id = t.id
     group by t.workspace_id
  ),
  judged as (
    select w.id as workspace_id, w.created_at <= p_as_of - p_length as older_than_window, b.days, l.last_event_at,
           l.last_event_at > p_as_of - p_length as in_window,
           case when l.last_event_at >= b.retained_from then l.last_event_at else a.last_event_at end as retained_event_at,
           coalesce(c.events, 0) as events_in_window
      from workspaces as w
      cross join bounds as b
      left join latest as l on l.workspace_id = w.id
      left join ahead as a on a.workspace_id = w.id
      left join counts as c on c.workspace_id = w.id
  )
  select j.workspace_id,
         case when j.in_window then 'ok'::health.level
              when j.retained_event_at is not null then 'warn'
              when j.older_than_window then 'critical'
              else 'unknown' end,
         case when j.in_window then 'engagement.active'
              when j.retained_event_at is not null then 'engagement.quiet'
              when j.older_than_window then 'engagement.dormant'
              else 'engagement.too_new' end,
         case when j.in_window then 'Events in the window'
              when j.retained_event_at is not null then
                -- An absolute time: the same data gives the same reason on every read.
                pg_catalog.format('No events in the window; the last one at %s',
                  pg_catalog.to_char(j.retained_event_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'))
              when j.older_than_window then pg_catalog.format('No events in the last %s days', j.days)
              else 'No events yet, and the workspace is younger than the window' end,
         pg_catalog.jsonb_build_object(
           'last_event_at', case when j.in_window then j.last_event_at else j.retained_event_at end,
           'retention_days', j.days, 'older_than_window', j.older_than_window)
         || case when p_with_evidence then pg_catalog.jsonb_build_object('events_in_window', j.events_in_window) else '{}' end,
         null::uuid
    from judged as j
$$;
comment on function health.dimension_engagement_freshness(timestamptz, interval, uuid, boolean) is
  'Engagement freshness per active workspace (or the one given) over the window (p_as_of - p_length, p_as_of], from the latest telemetry event '
  '(p_with_evidence: the evidence also counts the events in the window).';
grant execute on function health.dimension_engagement_freshness(timestamptz, interval, uuid, boolean) to tp_system_operator;
