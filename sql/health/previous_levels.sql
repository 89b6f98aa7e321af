-- Trend without persistence (SPEC §4.3): each windowed dimension evaluated over the previous
-- window of equal length, i.e. as of now() - length, on today's statuses.
create or replace function health.previous_levels(p_window text, p_workspace_id uuid default null)
  returns table (workspace_id uuid, dimension text, previous_level health.level)
  language sql stable parallel safe
as $$
  select r.workspace_id, 'operational_stability', r.level
    from health.dimension_operational_stability(
      pg_catalog.now() - health.window_length(p_window), health.window_length(p_window), p_workspace_id) as r
  union all
  select r.workspace_id, 'review_pack_readiness', r.level
    from health.dimension_review_pack_readiness(
      pg_catalog.now() - health.window_length(p_window), health.window_length(p_window), p_workspace_id) as r
  union all
  select r.workspace_id, 'engagement_freshness', r.level
    from health.dimension_engagement_freshness(
      pg_catalog.now() - health.window_length(p_window), health.window_length(p_window), p_workspace_id, p_with_evidence => false) as r
$$;
comment on function health.previous_levels(text, uuid) is
  'Levels of the windowed dimensions over the previous window of equal length (as of now() minus the length).';
grant execute on function health.previous_levels(text, uuid) to tp_system_operator;
