-- Operational stability reads every run of the window (dashboard, KPIs): the window index now
-- carries the columns it needs, so that read is an index-only scan instead of a heap visit per run.
drop index platform.operation_runs_window_idx;
create index operation_runs_window_idx on platform.operation_runs (created_at)
  include (workspace_id, tenant_id, status, id, last_heartbeat_at, started_at);
