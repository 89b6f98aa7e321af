--! Previous: sha1:86eca6c9939de37538324669377712f9367abd9e
--! Hash: sha1:a15874bccc387d65d70363b3727334b41f2298a9
--! Message: telemetry ledger and recorder, customer health, the system API

-- source: migrations/draft/begin_as_owner.sql
set local role tp_owner;

-- source: migrations/draft/system_api_schema.sql
-- The system plane's API (SPEC §1, §5): the only schema exposed as GraphQL. It holds read-only
-- functions for the console; each is granted to tp_system_operator right below it.
create schema system_api;
comment on schema system_api is 'Read-only functions for the system console: the only schema exposed over GraphQL.';
grant usage on schema system_api to tp_system_operator;

-- source: sql/system_api/console_window.sql
-- The console's time windows (SPEC §3.5). A window is the half-open interval (now() - length, now()].
-- Enums cannot be `create or replace`d: create it once, and add labels only by a migration.
do $console_window$
begin
  if to_regtype('system_api.console_window') is null then
    create type system_api.console_window as enum ('last_hour', 'last_24_hours', 'last_7_days', 'last_30_days');
  end if;
end
$console_window$;
comment on type system_api.console_window is
  'A console time window: last_hour, last_24_hours, last_7_days or last_30_days; it covers (now() - length, now()].';
grant usage on type system_api.console_window to tp_system_operator, tp_dba_reader;

-- source: migrations/draft/telemetry_schema.sql
-- Product usage telemetry (SPEC §3): the code-owned catalog, the ledger and its companions
-- (de-duplication keys, an exact daily rollup), settings and prune runs. Created as tp_owner.
--
-- Storage: the ledger and the rollup are range-partitioned by day (UTC) so that the prune drops
-- whole expired days instead of deleting rows; partitions are created ahead by
-- telemetry.ensure_partitions() (no default partition: attaching a new partition would have to
-- scan it). A partitioned table cannot hold a unique key across partitions, so retry
-- de-duplication keys live in their own table. The rollup is maintained by a trigger on the
-- ledger itself, so a row the owner writes directly is counted like any other.
create schema telemetry;
comment on schema telemetry is 'Product usage telemetry: event catalog, ledger, recorder, summaries and retention.';
grant usage on schema telemetry to tp_admin_plane, tp_system_operator, tp_dba_reader, tp_worker;

-- ---------------------------------------------------------------------------------------------
-- Catalog (SPEC §3.1): changed only by a migration.
create table telemetry.event_catalog (
  event_name text primary key check (event_name ~ '^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$'),
  feature_area text not null check (feature_area ~ '^[a-z][a-z0-9_]*$'),
  label text not null check (btrim(label) <> ''),
  display_order int not null unique,
  subject_types text[] not null check (cardinality(subject_types) > 0),
  deduplicated boolean not null,
  dedup_metadata_key text
);
comment on table telemetry.event_catalog is
  'The code-owned catalog of product usage events, in display order. Changed only by a migration.';
comment on column telemetry.event_catalog.event_name is 'Event name, e.g. onboarding.checkpoint_completed.';
comment on column telemetry.event_catalog.feature_area is 'Product area the event belongs to.';
comment on column telemetry.event_catalog.label is 'Human label used by the console.';
comment on column telemetry.event_catalog.display_order is 'Position in the catalog (console order).';
comment on column telemetry.event_catalog.subject_types is 'Subject types the event may be recorded for.';
comment on column telemetry.event_catalog.deduplicated is
  'Whether a retried recording of the same milestone (workspace, event, subject) returns the first event instead of adding one.';
comment on column telemetry.event_catalog.dedup_metadata_key is
  'Metadata key that is part of the milestone identity (checkpoint for checkpoint events), or null.';

create table telemetry.event_metadata_rules (
  event_name text not null references telemetry.event_catalog (event_name),
  key text not null check (key ~ '^[a-z][a-z0-9_]*$'),
  required boolean not null default false,
  allowed_values text[],
  pattern text,
  max_length int not null default 64 check (max_length between 1 and 1024),
  primary key (event_name, key),
  check ((allowed_values is null) <> (pattern is null))
);
comment on table telemetry.event_metadata_rules is
  'The metadata allow-list of each event: one row per allowed key with the rule its string value must satisfy.';
comment on column telemetry.event_metadata_rules.event_name is 'The event.';
comment on column telemetry.event_metadata_rules.key is 'An allowed metadata key.';
comment on column telemetry.event_metadata_rules.required is 'Whether the key must be present.';
comment on column telemetry.event_metadata_rules.allowed_values is 'The values allowed (an enumeration), or null when pattern applies.';
comment on column telemetry.event_metadata_rules.pattern is 'Regular expression the value must match, or null when allowed_values applies.';
comment on column telemetry.event_metadata_rules.max_length is 'Maximum length of the value in characters.';

insert into telemetry.event_catalog
  (event_name, feature_area, label, display_order, subject_types, deduplicated, dedup_metadata_key)
values
  ('onboarding.checkpoint_completed', 'onboarding', 'Onboarding checkpoints completed', 1, '{onboarding_session}', true, 'checkpoint'),
  ('support.diagnostics_opened', 'support', 'Support diagnostics opened', 2, '{tenant,operation_run}', false, null),
  ('operations.run_started', 'operations', 'Operations started', 3, '{operation_run}', true, null),
  ('reports.stored_report_created', 'reports', 'Reports created', 4, '{stored_report}', true, null),
  ('review_packs.generation_requested', 'review_packs', 'Review packs requested', 5, '{review_pack}', true, null)
on conflict (event_name) do nothing;

insert into telemetry.event_metadata_rules (event_name, key, required, allowed_values, pattern, max_length)
values
  ('onboarding.checkpoint_completed', 'checkpoint', true,
    '{tenant_bound,consent_granted,permissions_verified,initial_sync_completed,baseline_captured}', null, 64),
  ('support.diagnostics_opened', 'surface', false, '{tenant_dashboard,operation_run_viewer}', null, 64),
  ('operations.run_started', 'operation_type', false, null, '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$', 64),
  ('reports.stored_report_created', 'report_type', false, '{entra_admin_roles,permission_posture}', null, 64)
on conflict (event_name, key) do nothing;

alter table telemetry.event_catalog add foreign key (event_name, dedup_metadata_key)
  references telemetry.event_metadata_rules (event_name, key);
create index event_catalog_dedup_key_idx on telemetry.event_catalog (event_name, dedup_metadata_key);

-- ---------------------------------------------------------------------------------------------
-- The ledger (SPEC §3.1): written only by the recorder (and the owner), read by no plane.
create table telemetry.product_usage_events (
  workspace_id uuid not null,
  id uuid not null default gen_random_uuid(),
  event_name text not null references telemetry.event_catalog (event_name),
  tenant_id uuid not null,
  actor_id uuid not null,
  subject_type text not null,
  subject_id uuid not null,
  metadata jsonb not null default '{}' check (jsonb_typeof(metadata) = 'object'),
  occurred_at timestamptz not null,
  recorded_at timestamptz not null default now(),
  primary key (workspace_id, id, occurred_at)
) partition by range (occurred_at);
comment on table telemetry.product_usage_events is
  'The product usage ledger: one row per recorded milestone (tenant-bound, user-initiated). '
  'Partitioned by day of occurred_at (UTC); written through telemetry.record_event, pruned by telemetry.prune_events.';
comment on column telemetry.product_usage_events.workspace_id is 'Workspace the event belongs to (leads every key).';
comment on column telemetry.product_usage_events.id is 'Event id (returned by the recorder).';
comment on column telemetry.product_usage_events.event_name is 'Catalog event name.';
comment on column telemetry.product_usage_events.tenant_id is 'Tenant the event belongs to.';
comment on column telemetry.product_usage_events.actor_id is 'User who initiated it.';
comment on column telemetry.product_usage_events.subject_type is 'Kind of subject (onboarding_session, operation_run, ...).';
comment on column telemetry.product_usage_events.subject_id is 'Id of the subject (not looked up: it may live elsewhere).';
comment on column telemetry.product_usage_events.metadata is 'Safe metadata: allow-listed string values only (SPEC §3.2).';
comment on column telemetry.product_usage_events.occurred_at is 'When the milestone happened (partition key).';
comment on column telemetry.product_usage_events.recorded_at is 'When it was recorded.';
create index product_usage_events_workspace_time_idx on telemetry.product_usage_events (workspace_id, occurred_at);
create index product_usage_events_event_time_idx on telemetry.product_usage_events (event_name, occurred_at);

-- Retry de-duplication: one key per milestone, pointing at the first event. A key whose event is
-- gone (pruned) no longer de-duplicates; telemetry.prune_dedup_keys() collects such keys.
create table telemetry.event_dedup_keys (
  workspace_id uuid not null,
  event_name text not null,
  subject_id uuid not null,
  dedup_value text not null default '',
  event_id uuid not null,
  occurred_at timestamptz not null,
  primary key (workspace_id, event_name, subject_id, dedup_value)
);
comment on table telemetry.event_dedup_keys is
  'Identity of each recorded milestone (workspace, event, subject, checkpoint) and the first event recorded for it.';
comment on column telemetry.event_dedup_keys.workspace_id is 'Workspace of the milestone.';
comment on column telemetry.event_dedup_keys.event_name is 'Event of the milestone.';
comment on column telemetry.event_dedup_keys.subject_id is 'Subject of the milestone.';
comment on column telemetry.event_dedup_keys.dedup_value is 'Value of the event''s identity metadata key (the checkpoint), or empty.';
comment on column telemetry.event_dedup_keys.event_id is 'The first event recorded for the milestone.';
comment on column telemetry.event_dedup_keys.occurred_at is 'occurred_at of that event (to find it in its partition).';
create index event_dedup_keys_occurred_idx on telemetry.event_dedup_keys (occurred_at);

-- Exact daily rollup of the ledger, maintained by a trigger on the ledger (inserts, updates and
-- deletes, whoever makes them). Summaries read whole days from here and the raw edges of the
-- window from the ledger.
create table telemetry.usage_daily_rollup (
  workspace_id uuid not null,
  bucket_start timestamptz not null,
  tenant_id uuid not null,
  event_name text not null,
  event_count bigint not null check (event_count >= 0),
  primary key (workspace_id, bucket_start, tenant_id, event_name)
) partition by range (bucket_start);
comment on table telemetry.usage_daily_rollup is
  'Exact count of ledger rows per workspace, UTC day, tenant and event; maintained by a trigger on the ledger and partitioned like it.';
comment on column telemetry.usage_daily_rollup.workspace_id is 'Workspace.';
comment on column telemetry.usage_daily_rollup.bucket_start is 'Start of the UTC day [bucket_start, bucket_start + 1 day).';
comment on column telemetry.usage_daily_rollup.tenant_id is 'Tenant.';
comment on column telemetry.usage_daily_rollup.event_name is 'Event.';
comment on column telemetry.usage_daily_rollup.event_count is 'Number of ledger rows in the bucket.';
create index usage_daily_rollup_bucket_idx on telemetry.usage_daily_rollup (bucket_start);

-- Two coarser rollups, maintained by the same trigger, make the console summary independent of
-- the ledger's size: per workspace and day (which workspaces were active), and per hour and event
-- (how many events), the latter spread over 16 shards of workspaces so that concurrent recorders
-- do not queue on one row.
create table telemetry.usage_daily_workspace_rollup (
  workspace_id uuid not null,
  bucket_start timestamptz not null,
  event_count bigint not null check (event_count >= 0),
  primary key (workspace_id, bucket_start)
) partition by range (bucket_start);
comment on table telemetry.usage_daily_workspace_rollup is
  'Exact count of ledger rows per workspace and UTC day; maintained by the ledger trigger, partitioned like the ledger.';
comment on column telemetry.usage_daily_workspace_rollup.workspace_id is 'Workspace.';
comment on column telemetry.usage_daily_workspace_rollup.bucket_start is 'Start of the UTC day.';
comment on column telemetry.usage_daily_workspace_rollup.event_count is 'Number of ledger rows in the bucket.';
create index usage_daily_workspace_rollup_bucket_idx on telemetry.usage_daily_workspace_rollup (bucket_start, workspace_id) where event_count > 0;

create table telemetry.usage_hourly_event_rollup (
  bucket_start timestamptz not null,
  shard smallint not null check (shard between 0 and 15),
  event_name text not null,
  event_count bigint not null check (event_count >= 0),
  primary key (bucket_start, shard, event_name)
) partition by range (bucket_start);
comment on table telemetry.usage_hourly_event_rollup is
  'Exact count of ledger rows per UTC hour and event (all workspaces, spread over 16 shards); maintained by the ledger trigger, partitioned by day like the ledger. '
  'A global aggregate, not tenant-owned: it holds no workspace.';
comment on column telemetry.usage_hourly_event_rollup.bucket_start is 'Start of the UTC hour.';
comment on column telemetry.usage_hourly_event_rollup.shard is 'Shard of the workspace (a hash of workspace_id modulo 16): spreads concurrent writers.';
comment on column telemetry.usage_hourly_event_rollup.event_name is 'Event.';
comment on column telemetry.usage_hourly_event_rollup.event_count is 'Number of ledger rows in the bucket.';

-- ---------------------------------------------------------------------------------------------
-- Retention (SPEC §3.6).
create table telemetry.settings (
  singleton boolean primary key default true check (singleton),
  retention_days int not null default 90 check (retention_days between 1 and 3650)
);
comment on table telemetry.settings is 'Telemetry settings (one row). An environment override may set retention_days at start-up.';
comment on column telemetry.settings.singleton is 'Always true: the table holds one row.';
comment on column telemetry.settings.retention_days is 'Days events are kept (1-3650, default 90); older events are rejected and pruned.';
insert into telemetry.settings (singleton) values (true) on conflict do nothing;

create table telemetry.prune_runs (
  id bigint generated always as identity primary key,
  ran_at timestamptz not null default now(),
  cutoff timestamptz not null,
  rows_removed bigint not null check (rows_removed >= 0)
);
comment on table telemetry.prune_runs is 'One row per run of telemetry.prune_events().';
comment on column telemetry.prune_runs.id is 'Run id.';
comment on column telemetry.prune_runs.ran_at is 'When the run happened (its transaction time).';
comment on column telemetry.prune_runs.cutoff is 'Events with occurred_at before this were removed.';
comment on column telemetry.prune_runs.rows_removed is 'How many events the run removed.';
create index prune_runs_ran_at_idx on telemetry.prune_runs (ran_at);

-- ---------------------------------------------------------------------------------------------
-- Row-level security (enabled and forced everywhere) and grants.
--   owner            everything (security definer code runs as it)
--   every plane      reads the catalog
--   DBA reader       reads settings and prune_runs
--   nobody else      touches the ledger, the de-duplication keys or the rollup
alter table telemetry.event_catalog enable row level security;
alter table telemetry.event_catalog force row level security;
create policy owner_manages_event_catalog on telemetry.event_catalog
  for all to tp_owner using (true) with check (true);
create policy planes_read_event_catalog on telemetry.event_catalog
  for select to tp_admin_plane, tp_system_operator, tp_dba_reader, tp_worker using (true);
grant select on telemetry.event_catalog to tp_admin_plane, tp_system_operator, tp_dba_reader, tp_worker;

alter table telemetry.event_metadata_rules enable row level security;
alter table telemetry.event_metadata_rules force row level security;
create policy owner_manages_event_metadata_rules on telemetry.event_metadata_rules
  for all to tp_owner using (true) with check (true);
create policy planes_read_event_metadata_rules on telemetry.event_metadata_rules
  for select to tp_admin_plane, tp_system_operator, tp_dba_reader, tp_worker using (true);
grant select on telemetry.event_metadata_rules to tp_admin_plane, tp_system_operator, tp_dba_reader, tp_worker;

alter table telemetry.product_usage_events enable row level security;
alter table telemetry.product_usage_events force row level security;
create policy owner_manages_product_usage_events on telemetry.product_usage_events
  for all to tp_owner using (true) with check (true);

alter table telemetry.event_dedup_keys enable row level security;
alter table telemetry.event_dedup_keys force row level security;
create policy owner_manages_event_dedup_keys on telemetry.event_dedup_keys
  for all to tp_owner using (true) with check (true);

alter table telemetry.usage_daily_rollup enable row level security;
alter table telemetry.usage_daily_rollup force row level security;
create policy owner_manages_usage_daily_rollup on telemetry.usage_daily_rollup
  for all to tp_owner using (true) with check (true);

alter table telemetry.usage_daily_workspace_rollup enable row level security;
alter table telemetry.usage_daily_workspace_rollup force row level security;
create policy owner_manages_usage_daily_workspace_rollup on telemetry.usage_daily_workspace_rollup
  for all to tp_owner using (true) with check (true);

alter table telemetry.usage_hourly_event_rollup enable row level security;
alter table telemetry.usage_hourly_event_rollup force row level security;
create policy owner_manages_usage_hourly_event_rollup on telemetry.usage_hourly_event_rollup
  for all to tp_owner using (true) with check (true);

alter table telemetry.settings enable row level security;
alter table telemetry.settings force row level security;
create policy owner_manages_settings on telemetry.settings
  for all to tp_owner using (true) with check (true);
create policy dba_reads_settings on telemetry.settings
  for select to tp_dba_reader using (true);
grant select on telemetry.settings to tp_dba_reader;

alter table telemetry.prune_runs enable row level security;
alter table telemetry.prune_runs force row level security;
create policy owner_manages_prune_runs on telemetry.prune_runs
  for all to tp_owner using (true) with check (true);
create policy dba_reads_prune_runs on telemetry.prune_runs
  for select to tp_dba_reader using (true);
grant select on telemetry.prune_runs to tp_dba_reader;

-- source: sql/telemetry/ensure_partitions.sql
-- Daily partitions (UTC days) of the ledger and of its rollups, created ahead of need. Called by
-- the migration, by the prune (a week ahead), and by the recorder when an event falls on a day
-- that has none yet; a direct writer of other days (the owner) calls it first. Each partition
-- gets row-level security enabled and forced like its parent (direct access to a partition sees
-- nothing; everything goes through the parent).
create or replace function telemetry.ensure_partitions(p_from timestamptz, p_to timestamptz) returns int
  language plpgsql volatile
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_day timestamptz := pg_catalog.date_bin('1 day', p_from, timestamptz '2000-01-01 00:00:00+00');
  v_table text;
  v_partition text;
  v_created int := 0;
begin
  if p_from is null or p_to is null or p_to - p_from > interval '3660 days' then
    raise exception using errcode = '22023', message = 'ensure_partitions needs a range of at most 3660 days',
      detail = pg_catalog.format('from %s to %s', p_from, p_to);
  end if;
  while v_day <= p_to loop
    foreach v_table in array array['product_usage_events', 'usage_daily_rollup', 'usage_daily_workspace_rollup', 'usage_hourly_event_rollup'] loop
      v_partition := v_table || '_p' || pg_catalog.to_char(v_day at time zone 'UTC', 'YYYYMMDD');
      if pg_catalog.to_regclass('telemetry.' || v_partition) is null then
        begin
          execute pg_catalog.format('create table telemetry.%I partition of telemetry.%I for values from (%L) to (%L)',
            v_partition, v_table, v_day, v_day + interval '1 day');
          execute pg_catalog.format('alter table telemetry.%I enable row level security', v_partition);
          execute pg_catalog.format('alter table telemetry.%I force row level security', v_partition);
          if v_table = 'product_usage_events' then
            v_created := v_created + 1;
          end if;
        exception when duplicate_table or invalid_object_definition then
          null; -- a concurrent caller created it
        end;
      end if;
    end loop;
    v_day := v_day + interval '1 day';
  end loop;
  return v_created;
end
$$;
comment on function telemetry.ensure_partitions(timestamptz, timestamptz) is
  'Creates the missing daily (UTC) partitions of the ledger and its rollups covering [p_from, p_to]; returns how many ledger partitions it created.';
grant execute on function telemetry.ensure_partitions(timestamptz, timestamptz) to tp_worker;

-- source: migrations/draft/telemetry_initial_partitions.sql
-- The partitions around the migration's time; later ones are created ahead by the daily prune
-- and, when needed, by the recorder itself.
select telemetry.ensure_partitions(now() - interval '1 day', now() + interval '7 days');

-- source: sql/telemetry/rollup.sql
-- Keeps the three rollups exactly equal to the ledger's counts: per workspace, UTC day, tenant and
-- event (telemetry.usage_daily_rollup), per workspace and day (usage_daily_workspace_rollup) and
-- per hour, shard and event (usage_hourly_event_rollup). A row trigger on the partitioned ledger
-- (cloned onto every partition), so every write is counted whoever makes it and whichever table
-- it names. The prune removes whole days with their rollup partitions and counts its row-by-row
-- remainder itself: it sets tenantpulse.rollup_batched_delete = on for its transaction, and
-- deletes then skip the per-row decrement (only the owner can delete ledger rows at all).
create or replace function telemetry.workspace_shard(p_workspace_id uuid) returns smallint
  language sql immutable strict parallel safe
  set search_path = pg_catalog, pg_temp
as $$
  select (pg_catalog.hashtextextended(p_workspace_id::text, 0) & 15)::smallint
$$;
comment on function telemetry.workspace_shard(uuid) is 'Shard (0-15) of a workspace in telemetry.usage_hourly_event_rollup.';

create or replace function telemetry.maintain_usage_rollup() returns trigger
  language plpgsql
  set search_path = pg_catalog, pg_temp
as $$
begin
  if tg_op = 'UPDATE' or (tg_op = 'DELETE' and pg_catalog.current_setting('tenantpulse.rollup_batched_delete', true) is distinct from 'on') then
    update telemetry.usage_daily_rollup as r
       set event_count = r.event_count - 1
     where r.workspace_id = old.workspace_id
       and r.bucket_start = pg_catalog.date_bin('1 day', old.occurred_at, timestamptz '2000-01-01 00:00:00+00')
       and r.tenant_id = old.tenant_id
       and r.event_name = old.event_name;
    update telemetry.usage_daily_workspace_rollup as r
       set event_count = r.event_count - 1
     where r.workspace_id = old.workspace_id
       and r.bucket_start = pg_catalog.date_bin('1 day', old.occurred_at, timestamptz '2000-01-01 00:00:00+00');
    update telemetry.usage_hourly_event_rollup as r
       set event_count = r.event_count - 1
     where r.bucket_start = pg_catalog.date_bin('1 hour', old.occurred_at, timestamptz '2000-01-01 00:00:00+00')
       and r.shard = telemetry.workspace_shard(old.workspace_id)
       and r.event_name = old.event_name;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    insert into telemetry.usage_daily_rollup as r (workspace_id, bucket_start, tenant_id, event_name, event_count)
    values (new.workspace_id, pg_catalog.date_bin('1 day', new.occurred_at, timestamptz '2000-01-01 00:00:00+00'),
            new.tenant_id, new.event_name, 1)
    on conflict (workspace_id, bucket_start, tenant_id, event_name)
    do update set event_count = r.event_count + 1;
    insert into telemetry.usage_daily_workspace_rollup as r (workspace_id, bucket_start, event_count)
    values (new.workspace_id, pg_catalog.date_bin('1 day', new.occurred_at, timestamptz '2000-01-01 00:00:00+00'), 1)
    on conflict (workspace_id, bucket_start)
    do update set event_count = r.event_count + 1;
    insert into telemetry.usage_hourly_event_rollup as r (bucket_start, shard, event_name, event_count)
    values (pg_catalog.date_bin('1 hour', new.occurred_at, timestamptz '2000-01-01 00:00:00+00'),
            telemetry.workspace_shard(new.workspace_id), new.event_name, 1)
    on conflict (bucket_start, shard, event_name)
    do update set event_count = r.event_count + 1;
  end if;
  return null;
end
$$;
comment on function telemetry.maintain_usage_rollup() is
  'Trigger: keeps the telemetry rollups equal to the ledger''s counts (insert, update, delete).';

create or replace trigger maintain_usage_rollup
  after insert or update or delete on telemetry.product_usage_events
  for each row execute function telemetry.maintain_usage_rollup();

-- source: sql/telemetry/metadata_violation.sql
-- Safe metadata (SPEC §3.2), as data-driven checks against telemetry.event_metadata_rules.
-- metadata_violation() returns null when the metadata is safe for the event, else one sentence
-- naming the offending key and why; check_metadata() raises TP004 with that sentence as DETAIL.
create or replace function telemetry.metadata_violation(p_event_name text, p_metadata jsonb) returns text
  language plpgsql stable
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_key text;
  v_value jsonb;
  v_rule record;
begin
  if p_metadata is null then
    return 'metadata is null (use {} for none)';
  end if;
  if pg_catalog.jsonb_typeof(p_metadata) <> 'object' then
    return pg_catalog.format('metadata must be a JSON object, not %s', pg_catalog.jsonb_typeof(p_metadata));
  end if;
  if (select count(*) from pg_catalog.jsonb_object_keys(p_metadata)) > 8 then
    return 'metadata has more than 8 keys';
  end if;
  if pg_catalog.octet_length(p_metadata::text) > 1024 then
    return pg_catalog.format('metadata is %s bytes serialised, more than 1 KiB', pg_catalog.octet_length(p_metadata::text));
  end if;
  for v_key, v_value in select e.key, e.value from pg_catalog.jsonb_each(p_metadata) as e order by e.key loop
    select r.* into v_rule from telemetry.event_metadata_rules as r
     where r.event_name = p_event_name and r.key = v_key;
    if not found then
      return pg_catalog.format('key "%s" is not allowed for %s (allowed: %s)', v_key, p_event_name,
        coalesce((select pg_catalog.string_agg(r.key, ', ' order by r.key) from telemetry.event_metadata_rules as r
                   where r.event_name = p_event_name), 'none'));
    end if;
    if pg_catalog.jsonb_typeof(v_value) <> 'string' then
      return pg_catalog.format('key "%s" must be a string, not %s', v_key, pg_catalog.jsonb_typeof(v_value));
    end if;
    if pg_catalog.length(v_value #>> '{}') > v_rule.max_length then
      return pg_catalog.format('key "%s" is longer than %s characters', v_key, v_rule.max_length);
    end if;
    if v_rule.allowed_values is not null and not ((v_value #>> '{}') = any (v_rule.allowed_values)) then
      return pg_catalog.format('key "%s" must be one of %s', v_key, pg_catalog.array_to_string(v_rule.allowed_values, ', '));
    end if;
    if v_rule.pattern is not null and (v_value #>> '{}') !~ v_rule.pattern then
      return pg_catalog.format('key "%s" must match %s', v_key, v_rule.pattern);
    end if;
  end loop;
  select r.key into v_key from telemetry.event_metadata_rules as r
   where r.event_name = p_event_name and r.required and not p_metadata ? r.key
   order by r.key limit 1;
  if found then
    return pg_catalog.format('key "%s" is required for %s', v_key, p_event_name);
  end if;
  return null;
end
$$;
comment on function telemetry.metadata_violation(text, jsonb) is
  'Why metadata is not safe for the event (naming the key and the rule), or null when it is safe (SPEC §3.2).';
grant execute on function telemetry.metadata_violation(text, jsonb) to tp_admin_plane, tp_system_operator, tp_dba_reader, tp_worker;

create or replace function telemetry.check_metadata(p_event_name text, p_metadata jsonb) returns void
  language plpgsql stable
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_problem text := telemetry.metadata_violation(p_event_name, p_metadata);
begin
  if v_problem is not null then
    raise exception using errcode = 'TP004', message = 'metadata is not safe', detail = v_problem;
  end if;
end
$$;
comment on function telemetry.check_metadata(text, jsonb) is
  'Raises TP004 (DETAIL names the key and why) unless the metadata is safe for the event.';
grant execute on function telemetry.check_metadata(text, jsonb) to tp_admin_plane, tp_system_operator, tp_dba_reader, tp_worker;

-- source: sql/telemetry/record_event.sql
-- The recorder (SPEC §3.3): the single write path of the ledger. It checks everything before it
-- writes anything, so a rejection leaves no trace:
--   TP001 unknown event   TP002 missing workspace/tenant/actor   TP007 caller's workspace context
--   TP006 subject         TP004 metadata                          TP005 occurred_at
--   TP003 workspace/tenant/actor do not exist, are archived or do not belong together
-- Retry safety: a de-duplicated event's milestone (workspace, event, subject [, checkpoint]) has a
-- key in telemetry.event_dedup_keys; a retry returns the first event's id while that event is
-- still in the ledger (after it is pruned, the retry records anew). Concurrent retries serialise
-- on the key's insert.
create or replace function telemetry.record_event(
  event_name text,
  workspace_id uuid,
  tenant_id uuid,
  actor_id uuid,
  subject_type text,
  subject_id uuid,
  metadata jsonb default '{}',
  occurred_at timestamptz default now()
) returns uuid
  language plpgsql volatile
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_event telemetry.event_catalog;
  v_caller text := coalesce(nullif(pg_catalog.current_setting('role'), 'none'), session_user);
  v_context text := nullif(pg_catalog.current_setting('tenantpulse.workspace_id', true), '');
  v_problem text;
  v_retention int;
  v_workspace_archived timestamptz;
  v_tenant_workspace uuid;
  v_tenant_archived timestamptz;
  v_id uuid := pg_catalog.gen_random_uuid();
  v_existing_id uuid;
  v_existing_at timestamptz;
  v_dedup_value text;
begin
  select c.* into v_event from telemetry.event_catalog as c where c.event_name = record_event.event_name;
  if not found then
    raise exception using errcode = 'TP001', message = 'unknown telemetry event',
      detail = pg_catalog.format('event_name %s is not in telemetry.event_catalog', coalesce(pg_catalog.quote_literal(record_event.event_name), 'null'));
  end if;

  if record_event.workspace_id is null or record_event.tenant_id is null or record_event.actor_id is null then
    raise exception using errcode = 'TP002', message = 'telemetry events are tenant-bound and user-initiated',
      detail = pg_catalog.format('%s is null',
        case when record_event.workspace_id is null then 'workspace_id'
             when record_event.tenant_id is null then 'tenant_id' else 'actor_id' end);
  end if;

  -- The admin plane records only for the workspace of its context; any other caller's context,
  -- when set, must name the same workspace.
  if v_caller = 'tp_admin_plane'
     or (pg_catalog.pg_has_role(v_caller, 'tp_admin_plane', 'member') and not pg_catalog.pg_has_role(v_caller, 'tp_owner', 'member')) then
    if v_context is null then
      raise exception using errcode = 'TP007', message = 'the admin plane must record within its workspace context',
        detail = pg_catalog.format('tenantpulse.workspace_id is not set; workspace_id is %s', record_event.workspace_id);
    end if;
  end if;
  if v_context is not null and v_context is distinct from record_event.workspace_id::text then
    raise exception using errcode = 'TP007', message = 'workspace_id does not match the workspace context',
      detail = pg_catalog.format('workspace_id %s differs from tenantpulse.workspace_id %s', record_event.workspace_id, v_context);
  end if;

  if record_event.subject_id is null then
    raise exception using errcode = 'TP006', message = 'subject_id is required',
      detail = pg_catalog.format('subject_id is null for %s', v_event.event_name);
  end if;
  if record_event.subject_type is null or not (record_event.subject_type = any (v_event.subject_types)) then
    raise exception using errcode = 'TP006', message = 'subject_type is not allowed for this event',
      detail = pg_catalog.format('subject_type %s is not allowed for %s (allowed: %s)',
        coalesce(pg_catalog.quote_literal(record_event.subject_type), 'null'), v_event.event_name,
        pg_catalog.array_to_string(v_event.subject_types, ', '));
  end if;

  v_problem := telemetry.metadata_violation(v_event.event_name, record_event.metadata);
  if v_problem is not null then
    raise exception using errcode = 'TP004', message = 'metadata is not safe', detail = v_problem;
  end if;

  select s.retention_days into v_retention from telemetry.settings as s;
  if record_event.occurred_at is null then
    raise exception using errcode = 'TP005', message = 'occurred_at is required', detail = 'occurred_at is null';
  elsif record_event.occurred_at > pg_catalog.now() + interval '5 minutes' then
    raise exception using errcode = 'TP005', message = 'occurred_at is too far in the future',
      detail = pg_catalog.format('occurred_at %s is more than 5 minutes after now() (%s)', record_event.occurred_at, pg_catalog.now());
  elsif record_event.occurred_at < pg_catalog.now() - pg_catalog.make_interval(days => coalesce(v_retention, 90)) then
    raise exception using errcode = 'TP005', message = 'occurred_at is older than the retention window',
      detail = pg_catalog.format('occurred_at %s is older than %s days (retention_days)', record_event.occurred_at, coalesce(v_retention, 90));
  end if;

  select w.archived_at into v_workspace_archived from platform.workspaces as w where w.id = record_event.workspace_id;
  if not found then
    raise exception using errcode = 'TP003', message = 'unknown workspace',
      detail = pg_catalog.format('workspace_id %s does not exist', record_event.workspace_id);
  elsif v_workspace_archived is not null then
    raise exception using errcode = 'TP003', message = 'the workspace is archived',
      detail = pg_catalog.format('workspace_id %s was archived at %s', record_event.workspace_id, v_workspace_archived);
  end if;
  select t.workspace_id, t.archived_at into v_tenant_workspace, v_tenant_archived
    from platform.tenants as t where t.id = record_event.tenant_id
   order by t.workspace_id = record_event.workspace_id desc limit 1;
  if not found then
    raise exception using errcode = 'TP003', message = 'unknown tenant',
      detail = pg_catalog.format('tenant_id %s does not exist', record_event.tenant_id);
  elsif v_tenant_workspace <> record_event.workspace_id then
    raise exception using errcode = 'TP003', message = 'the tenant is not in that workspace',
      detail = pg_catalog.format('tenant_id %s belongs to workspace %s, not workspace_id %s', record_event.tenant_id, v_tenant_workspace, record_event.workspace_id);
  elsif v_tenant_archived is not null then
    raise exception using errcode = 'TP003', message = 'the tenant is archived',
      detail = pg_catalog.format('tenant_id %s was archived at %s', record_event.tenant_id, v_tenant_archived);
  end if;
  perform from platform.users as u where u.id = record_event.actor_id;
  if not found then
    raise exception using errcode = 'TP003', message = 'unknown actor',
      detail = pg_catalog.format('actor_id %s does not exist', record_event.actor_id);
  end if;

  -- Every check passed: write (creating the day's partition first if nobody has yet).
  if pg_catalog.to_regclass('telemetry.product_usage_events_p' || pg_catalog.to_char(record_event.occurred_at at time zone 'UTC', 'YYYYMMDD')) is null then
    perform telemetry.ensure_partitions(record_event.occurred_at, record_event.occurred_at);
  end if;

  if v_event.deduplicated then
    v_dedup_value := coalesce(record_event.metadata ->> v_event.dedup_metadata_key, '');
    insert into telemetry.event_dedup_keys as k (workspace_id, event_name, subject_id, dedup_value, event_id, occurred_at)
    values (record_event.workspace_id, v_event.event_name, record_event.subject_id, v_dedup_value, v_id, record_event.occurred_at)
    on conflict do nothing;
    if not found then
      -- A retry (possibly concurrent: the insert above waited for the first to commit).
      select k.event_id, k.occurred_at into v_existing_id, v_existing_at
        from telemetry.event_dedup_keys as k
       where k.workspace_id = record_event.workspace_id and k.event_name = v_event.event_name
         and k.subject_id = record_event.subject_id and k.dedup_value = v_dedup_value
         for update;
      perform from telemetry.product_usage_events as e
       where e.workspace_id = record_event.workspace_id and e.id = v_existing_id and e.occurred_at = v_existing_at;
      if found then
        return v_existing_id;
      end if;
      -- The first event has been pruned: this retry records anew.
      update telemetry.event_dedup_keys as k
         set event_id = v_id, occurred_at = record_event.occurred_at
       where k.workspace_id = record_event.workspace_id and k.event_name = v_event.event_name
         and k.subject_id = record_event.subject_id and k.dedup_value = v_dedup_value;
    end if;
  end if;

  insert into telemetry.product_usage_events
    (workspace_id, id, event_name, tenant_id, actor_id, subject_type, subject_id, metadata, occurred_at)
  values
    (record_event.workspace_id, v_id, v_event.event_name, record_event.tenant_id, record_event.actor_id,
     record_event.subject_type, record_event.subject_id, record_event.metadata, record_event.occurred_at);
  return v_id;
end
$$;
comment on function telemetry.record_event(text, uuid, uuid, uuid, text, uuid, jsonb, timestamptz) is
  'Records a product usage event (the single write path) and returns its id; a retry of a de-duplicated milestone returns the first id. '
  'Rejects with TP001-TP007 (DETAIL names the field or key) and then writes nothing.';
grant execute on function telemetry.record_event(text, uuid, uuid, uuid, text, uuid, jsonb, timestamptz) to tp_admin_plane, tp_owner;

-- source: sql/telemetry/capture_event.sql
-- Shared by the capture triggers of the source seams (SPEC §3.4): records a milestone in the
-- source write's transaction, at its now(), unless a rule says to skip it — an archived (or
-- missing) workspace or tenant records nothing and never fails the source write. Any other
-- rejection of the recorder is a defect and fails the write.
create or replace function telemetry.capture_event(
  p_event_name text, p_workspace_id uuid, p_tenant_id uuid, p_actor_id uuid,
  p_subject_type text, p_subject_id uuid, p_metadata jsonb
) returns uuid
  language plpgsql volatile
  security definer
  set search_path = pg_catalog, pg_temp
as $$
begin
  if p_actor_id is null or p_tenant_id is null then
    return null; -- system-initiated or tenantless: not a user milestone
  end if;
  perform from platform.tenants as t
    join platform.workspaces as w on w.id = t.workspace_id
   where t.workspace_id = p_workspace_id and t.id = p_tenant_id
     and t.archived_at is null and w.archived_at is null;
  if not found then
    return null; -- archived workspace or tenant: counts nowhere, so nothing to record
  end if;
  return telemetry.record_event(p_event_name, p_workspace_id, p_tenant_id, p_actor_id,
                                p_subject_type, p_subject_id, p_metadata, pg_catalog.now());
end
$$;
comment on function telemetry.capture_event(text, uuid, uuid, uuid, text, uuid, jsonb) is
  'Records a source-seam milestone at now() unless a rule skips it (no actor, no tenant, archived workspace or tenant); returns the event id or null.';
grant execute on function telemetry.capture_event(text, uuid, uuid, uuid, text, uuid, jsonb) to tp_owner;

-- source: sql/telemetry/capture_onboarding_checkpoint.sql
-- Seam: an onboarding checkpoint completed by a user, for a session bound to a tenant, records
-- onboarding.checkpoint_completed (pre-tenant sessions and system completions record nothing).
create or replace function telemetry.capture_onboarding_checkpoint() returns trigger
  language plpgsql
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_tenant_id uuid;
begin
  if new.completed_by is null then
    return null;
  end if;
  select s.tenant_id into v_tenant_id from platform.onboarding_sessions as s
   where s.workspace_id = new.workspace_id and s.id = new.session_id;
  perform telemetry.capture_event('onboarding.checkpoint_completed', new.workspace_id, v_tenant_id, new.completed_by,
    'onboarding_session', new.session_id, pg_catalog.jsonb_build_object('checkpoint', new.checkpoint));
  return null;
end
$$;
comment on function telemetry.capture_onboarding_checkpoint() is
  'Trigger: records onboarding.checkpoint_completed when a user completes a checkpoint of a tenant-bound session.';

create or replace trigger capture_usage_event
  after insert on platform.onboarding_checkpoints
  for each row execute function telemetry.capture_onboarding_checkpoint();

-- source: sql/telemetry/capture_operation_run.sql
-- Seam: an operation run started by a user for a tenant records operations.run_started
-- (system-initiated or tenantless runs record nothing). operation_type obeys the metadata rule
-- by its check constraint, so the capture cannot fail on it.
create or replace function telemetry.capture_operation_run() returns trigger
  language plpgsql
  security definer
  set search_path = pg_catalog, pg_temp
as $$
begin
  perform telemetry.capture_event('operations.run_started', new.workspace_id, new.tenant_id, new.initiator_id,
    'operation_run', new.id, pg_catalog.jsonb_build_object('operation_type', new.operation_type));
  return null;
end
$$;
comment on function telemetry.capture_operation_run() is
  'Trigger: records operations.run_started when a user starts an operation run for a tenant.';

create or replace trigger capture_usage_event
  after insert on platform.operation_runs
  for each row execute function telemetry.capture_operation_run();

-- source: sql/telemetry/capture_stored_report.sql
-- Seam: a stored report created by a user records reports.stored_report_created (reports the
-- system creates record nothing).
create or replace function telemetry.capture_stored_report() returns trigger
  language plpgsql
  security definer
  set search_path = pg_catalog, pg_temp
as $$
begin
  perform telemetry.capture_event('reports.stored_report_created', new.workspace_id, new.tenant_id, new.created_by,
    'stored_report', new.id, pg_catalog.jsonb_build_object('report_type', new.report_type));
  return null;
end
$$;
comment on function telemetry.capture_stored_report() is
  'Trigger: records reports.stored_report_created when a user creates a stored report.';

create or replace trigger capture_usage_event
  after insert on platform.stored_reports
  for each row execute function telemetry.capture_stored_report();

-- source: sql/telemetry/capture_review_pack.sql
-- Seam: a review pack requested by a user for a tenant records review_packs.generation_requested
-- (workspace-wide or scheduled packs record nothing).
create or replace function telemetry.capture_review_pack() returns trigger
  language plpgsql
  security definer
  set search_path = pg_catalog, pg_temp
as $$
begin
  perform telemetry.capture_event('review_packs.generation_requested', new.workspace_id, new.tenant_id, new.requested_by,
    'review_pack', new.id, '{}'::jsonb);
  return null;
end
$$;
comment on function telemetry.capture_review_pack() is
  'Trigger: records review_packs.generation_requested when a user requests a review pack for a tenant.';

create or replace trigger capture_usage_event
  after insert on platform.review_packs
  for each row execute function telemetry.capture_review_pack();

-- source: sql/telemetry/console_window_length.sql
-- The length of a console window (SPEC §3.5); the window is (now() - length, now()].
create or replace function telemetry.console_window_length(p_window system_api.console_window) returns interval
  language sql immutable strict parallel safe
  set search_path = pg_catalog, pg_temp
as $$
  select case p_window
    when 'last_hour' then interval '1 hour'
    when 'last_24_hours' then interval '24 hours'
    when 'last_7_days' then interval '7 days'
    when 'last_30_days' then interval '30 days'
  end
$$;
comment on function telemetry.console_window_length(system_api.console_window) is
  'Length of a console window; the window is the half-open interval (now() - length, now()].';
grant execute on function telemetry.console_window_length(system_api.console_window) to tp_system_operator, tp_dba_reader;

-- source: sql/telemetry/event_counts.sql
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
  v_lo timestamptz := pg_catalog.date_bin('1 day', p_from, timestamptz '2000-01-01 00:00:00+00') + interval '1 day';
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
grant execute on function telemetry.event_counts(timestamptz, timestamptz) to tp_owner, tp_system_operator, tp_dba_reader;

-- The same, for a few workspaces only (reads their rollup rows and ledger rows by index): used to
-- take archived workspaces and tenants out of the console's totals.
create or replace function telemetry.workspace_event_counts(p_workspace_ids uuid[], p_from timestamptz, p_to timestamptz)
  returns table (workspace_id uuid, tenant_id uuid, event_name text, event_count bigint)
  language plpgsql stable
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_lo timestamptz := pg_catalog.date_bin('1 day', p_from, timestamptz '2000-01-01 00:00:00+00') + interval '1 day';
  v_hi timestamptz := pg_catalog.date_bin('1 day', p_to, timestamptz '2000-01-01 00:00:00+00');
begin
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
grant execute on function telemetry.workspace_event_counts(uuid[], timestamptz, timestamptz) to tp_owner, tp_system_operator, tp_dba_reader;

-- source: sql/telemetry/usage_window.sql
-- What the console counts in a window (p_from, p_to] (SPEC §3.5): only events of active
-- workspaces and active tenants. Built for speed on a large ledger:
--   usage_event_totals       whole hours from usage_hourly_event_rollup, the raw rows of the
--                            partial hour at the start, the last hour's bucket minus the raw rows
--                            after the end (none but a few future ones when the window ends at
--                            now()), minus the events of archived workspaces and archived
--                            tenants (read per workspace, by index, from the tenant rollup and
--                            the ledger);
--   active_workspace_count   workspaces with events in whole days of usage_daily_workspace_rollup,
--                            or (for the rest) a raw event in the partial days, probed by index;
--                            workspaces with an archived tenant are recounted exactly.
-- Ledger rows whose tenant does not exist at all in a workspace without archived tenants are
-- counted (the recorder never writes such rows; only a direct owner write could).
create or replace function telemetry.usage_event_totals(p_from timestamptz, p_to timestamptz)
  returns table (event_name text, event_count bigint)
  language plpgsql stable
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_lo timestamptz := pg_catalog.date_bin('1 hour', p_from, timestamptz '2000-01-01 00:00:00+00') + interval '1 hour';
  v_hi timestamptz := pg_catalog.date_bin('1 hour', p_to, timestamptz '2000-01-01 00:00:00+00');
  v_excluded uuid[];
begin
  select coalesce(pg_catalog.array_agg(w.id), '{}') into v_excluded
    from platform.workspaces as w
   where w.archived_at is not null
      or exists (select from platform.tenants as t where t.workspace_id = w.id and t.archived_at is not null);
  return query
  select x.event_name, sum(x.n)::bigint
    from (
      select r.event_name, r.event_count as n
        from telemetry.usage_hourly_event_rollup as r
       where r.bucket_start >= v_lo and r.bucket_start < v_hi
      union all
      select e.event_name, 1::bigint
        from telemetry.product_usage_events as e
       where e.occurred_at > p_from and e.occurred_at <= p_to and e.occurred_at < v_lo
      -- the partial hour at the end, [v_hi, p_to]: its whole bucket minus the rows after p_to (for
      -- a window ending at now(), only the few recorded up to 5 minutes ahead) ...
      union all
      select r.event_name, r.event_count
        from telemetry.usage_hourly_event_rollup as r
       where r.bucket_start = v_hi and v_hi >= v_lo
      union all
      select e.event_name, -1::bigint
        from telemetry.product_usage_events as e
       where e.occurred_at > p_to and e.occurred_at < v_hi + interval '1 hour' and v_hi >= v_lo
      -- ... or, when the window lies within two partial hours, its raw rows after v_lo
      union all
      select e.event_name, 1::bigint
        from telemetry.product_usage_events as e
       where e.occurred_at > p_from and e.occurred_at <= p_to and e.occurred_at >= v_lo and v_hi < v_lo
      union all
      select c.event_name, -c.event_count
        from telemetry.workspace_event_counts(v_excluded, p_from, p_to) as c
       where not exists (
               select from platform.tenants as t join platform.workspaces as w on w.id = t.workspace_id
                where t.workspace_id = c.workspace_id and t.id = c.tenant_id
                  and t.archived_at is null and w.archived_at is null)
    ) as x
   group by x.event_name;
end
$$;
comment on function telemetry.usage_event_totals(timestamptz, timestamptz) is
  'Events in (p_from, p_to] per event name, counting only active workspaces and active tenants.';
grant execute on function telemetry.usage_event_totals(timestamptz, timestamptz) to tp_owner, tp_system_operator, tp_dba_reader;

create or replace function telemetry.active_workspace_count(p_from timestamptz, p_to timestamptz) returns int
  language plpgsql stable
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_lo timestamptz := pg_catalog.date_bin('1 day', p_from, timestamptz '2000-01-01 00:00:00+00') + interval '1 day';
  v_hi timestamptz := pg_catalog.date_bin('1 day', p_to, timestamptz '2000-01-01 00:00:00+00');
  v_edge timestamptz := greatest(v_hi, v_lo);
  v_active int;
  v_mixed uuid[];
begin
  -- active workspaces with at least one event in the window, whatever the tenant; those with an
  -- archived tenant count only through an active tenant's event, so they are recounted below
  select count(*) filter (where not m.mixed)::int, coalesce(pg_catalog.array_agg(w.id) filter (where m.mixed), '{}')
    into v_active, v_mixed
    from platform.workspaces as w
    cross join lateral (
      select exists (select from platform.tenants as t where t.workspace_id = w.id and t.archived_at is not null) as mixed
    ) as m
   where w.archived_at is null
     and (w.id in (select r.workspace_id from telemetry.usage_daily_workspace_rollup as r
                    where r.bucket_start >= v_lo and r.bucket_start < v_hi and r.event_count > 0)
          or exists (select from telemetry.product_usage_events as e
                      where e.workspace_id = w.id and e.occurred_at > p_from and e.occurred_at <= p_to and e.occurred_at < v_lo)
          or exists (select from telemetry.product_usage_events as e
                      where e.workspace_id = w.id and e.occurred_at >= v_edge and e.occurred_at > p_from and e.occurred_at <= p_to));
  return v_active + (
    select count(distinct c.workspace_id)::int
      from telemetry.workspace_event_counts(v_mixed, p_from, p_to) as c
      join platform.tenants as t on t.workspace_id = c.workspace_id and t.id = c.tenant_id and t.archived_at is null);
end
$$;
comment on function telemetry.active_workspace_count(timestamptz, timestamptz) is
  'Active workspaces with at least one event of an active tenant in (p_from, p_to].';
grant execute on function telemetry.active_workspace_count(timestamptz, timestamptz) to tp_owner, tp_system_operator, tp_dba_reader;

-- source: sql/system_api/usage_families.sql
-- Usage per catalog event for a console window (SPEC §3.5): one row per catalog event in catalog
-- order, zero counts included; archived workspaces and tenants count nowhere.
create or replace function system_api.usage_families("window" system_api.console_window)
  returns table (event_name text, feature_area text, label text, event_count int)
  language sql stable strict
  security definer
  set search_path = pg_catalog, pg_temp
as $$
  select c.event_name, c.feature_area, c.label, coalesce(u.event_count, 0)::int
    from telemetry.event_catalog as c
    left join telemetry.usage_event_totals(pg_catalog.now() - telemetry.console_window_length("window"), pg_catalog.now()) as u
      on u.event_name = c.event_name
   order by c.display_order
$$;
comment on function system_api.usage_families(system_api.console_window) is
  'Product usage per catalog event in the window (now() - length, now()], in catalog order with zero counts; archived workspaces and tenants are not counted.';
grant execute on function system_api.usage_families(system_api.console_window) to tp_system_operator;

-- source: sql/system_api/usage_summary.sql
-- Participation summary for a console window (SPEC §3.5): one row (a single composite).
do $usage_summary_type$
begin
  if to_regtype('system_api.usage_summary') is null then
    create type system_api.usage_summary as (
      window_start timestamptz,
      window_end timestamptz,
      active_workspaces int,
      total_workspaces int,
      participation_rate double precision,
      total_events int
    );
  end if;
end
$usage_summary_type$;
comment on type system_api.usage_summary is 'Product usage participation of the active workspaces in a console window.';
comment on column system_api.usage_summary.window_start is 'Start of the window (exclusive): now() minus its length.';
comment on column system_api.usage_summary.window_end is 'End of the window (inclusive): now().';
comment on column system_api.usage_summary.active_workspaces is 'Active workspaces with at least one event (of an active tenant) in the window.';
comment on column system_api.usage_summary.total_workspaces is 'Active (not archived) workspaces.';
comment on column system_api.usage_summary.participation_rate is 'active_workspaces / total_workspaces (0 when there are none).';
comment on column system_api.usage_summary.total_events is 'Events of active workspaces and tenants in the window.';
grant usage on type system_api.usage_summary to tp_system_operator;

create or replace function system_api.usage_summary("window" system_api.console_window)
  returns system_api.usage_summary
  language sql stable strict
  security definer
  set search_path = pg_catalog, pg_temp
as $$
  with bounds as (
    select pg_catalog.now() - telemetry.console_window_length("window") as window_start, pg_catalog.now() as window_end
  ),
  usage as (
    select telemetry.active_workspace_count(b.window_start, b.window_end) as active_workspaces,
           (select coalesce(sum(u.event_count), 0)::int from telemetry.usage_event_totals(b.window_start, b.window_end) as u) as total_events
      from bounds as b
  ),
  workspaces as (
    select count(*)::int as total_workspaces from platform.workspaces as w where w.archived_at is null
  )
  select b.window_start, b.window_end, u.active_workspaces, w.total_workspaces,
         case when w.total_workspaces = 0 then 0::float8 else u.active_workspaces::float8 / w.total_workspaces end,
         u.total_events
    from bounds as b, usage as u, workspaces as w
$$;
comment on function system_api.usage_summary(system_api.console_window) is
  'Product usage participation in the window (now() - length, now()]: active and total workspaces, participation rate and total events; archived workspaces and tenants count nowhere.';
grant execute on function system_api.usage_summary(system_api.console_window) to tp_system_operator;

-- source: sql/telemetry/prune_events.sql
-- Retention (SPEC §3.6): removes every event older than now() - retention_days, returns how many,
-- and records the run. Whole expired days go by dropping their partitions (ledger and rollup;
-- the count comes from the exact rollup); only the day that straddles the cutoff is deleted row
-- by row, with its rollup decremented in one statement. Concurrent prunes serialise on an
-- advisory lock (the second finds nothing left); recording goes on meanwhile — the recorder
-- never writes before the cutoff, and the partitions are dropped last so the parent is locked
-- exclusively only for a moment at the end.
create or replace function telemetry.prune_events() returns bigint
  language plpgsql volatile
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_cutoff timestamptz;
  v_cut_day timestamptz;
  v_removed bigint := 0;
  v_count bigint;
  v_partition record;
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('telemetry.prune_events'));
  select pg_catalog.now() - pg_catalog.make_interval(days => s.retention_days) into v_cutoff from telemetry.settings as s;
  v_cutoff := coalesce(v_cutoff, pg_catalog.now() - interval '90 days');
  v_cut_day := pg_catalog.date_bin('1 day', v_cutoff, timestamptz '2000-01-01 00:00:00+00');

  -- The straddling day: delete its expired rows and decrement their rollup buckets at once.
  perform pg_catalog.set_config('tenantpulse.rollup_batched_delete', 'on', true);
  with deleted as (
    delete from telemetry.product_usage_events as e
     where e.occurred_at >= v_cut_day and e.occurred_at < v_cutoff
    returning e.workspace_id, e.tenant_id, e.event_name, e.occurred_at
  ),
  per_bucket as (
    select d.workspace_id, d.tenant_id, d.event_name, count(*) as n from deleted as d
     group by d.workspace_id, d.tenant_id, d.event_name
  ),
  decremented as (
    update telemetry.usage_daily_rollup as r
       set event_count = r.event_count - p.n
      from per_bucket as p
     where r.workspace_id = p.workspace_id and r.bucket_start = v_cut_day
       and r.tenant_id = p.tenant_id and r.event_name = p.event_name
  ),
  per_workspace as (
    select p.workspace_id, sum(p.n) as n from per_bucket as p group by p.workspace_id
  ),
  decremented_workspaces as (
    update telemetry.usage_daily_workspace_rollup as r
       set event_count = r.event_count - p.n
      from per_workspace as p
     where r.workspace_id = p.workspace_id and r.bucket_start = v_cut_day
  ),
  per_hour as (
    select pg_catalog.date_bin('1 hour', d.occurred_at, timestamptz '2000-01-01 00:00:00+00') as bucket_start,
           telemetry.workspace_shard(d.workspace_id) as shard, d.event_name, count(*) as n
      from deleted as d group by 1, 2, 3
  ),
  decremented_hours as (
    update telemetry.usage_hourly_event_rollup as r
       set event_count = r.event_count - p.n
      from per_hour as p
     where r.bucket_start = p.bucket_start and r.shard = p.shard and r.event_name = p.event_name
  )
  select coalesce(sum(p.n), 0) into v_removed from per_bucket as p;
  perform pg_catalog.set_config('tenantpulse.rollup_batched_delete', '', true);

  -- Whole expired days: count them from the rollup, then drop ledger and rollup partitions.
  for v_partition in
    select c.relname, (pg_catalog.right(c.relname, 8)::date::timestamp at time zone 'UTC') as day
      from pg_catalog.pg_inherits as i
      join pg_catalog.pg_class as c on c.oid = i.inhrelid
     where i.inhparent = 'telemetry.product_usage_events'::pg_catalog.regclass
       and c.relname ~ '^product_usage_events_p[0-9]{8}$'
     order by c.relname
  loop
    continue when v_partition.day + interval '1 day' > v_cutoff;
    select coalesce(sum(r.event_count), 0) into v_count from telemetry.usage_daily_workspace_rollup as r
     where r.bucket_start = v_partition.day;
    execute pg_catalog.format('drop table telemetry.%I', v_partition.relname);
    v_removed := v_removed + v_count;
  end loop;
  for v_partition in
    select c.relname, (pg_catalog.right(c.relname, 8)::date::timestamp at time zone 'UTC') as day
      from pg_catalog.pg_inherits as i
      join pg_catalog.pg_class as c on c.oid = i.inhrelid
     where i.inhparent in ('telemetry.usage_daily_rollup'::pg_catalog.regclass, 'telemetry.usage_daily_workspace_rollup'::pg_catalog.regclass,
                           'telemetry.usage_hourly_event_rollup'::pg_catalog.regclass)
       and c.relname ~ '_p[0-9]{8}$'
     order by c.relname
  loop
    continue when v_partition.day + interval '1 day' > v_cutoff;
    execute pg_catalog.format('drop table telemetry.%I', v_partition.relname);
  end loop;

  -- Keep a week of partitions ready ahead.
  perform telemetry.ensure_partitions(pg_catalog.now(), pg_catalog.now() + interval '7 days');

  insert into telemetry.prune_runs (cutoff, rows_removed) values (v_cutoff, v_removed);
  return v_removed;
end
$$;
comment on function telemetry.prune_events() is
  'Deletes every event older than now() - retention_days (dropping whole expired days), records the run in telemetry.prune_runs and returns how many events it removed. Safe beside recording and beside itself.';
grant execute on function telemetry.prune_events() to tp_worker;

-- source: sql/telemetry/prune_dedup_keys.sql
-- De-duplication keys whose first event is gone for good (older than the last prune's cutoff) no
-- longer de-duplicate anything (the recorder checks that the event still exists); this collects
-- them so the table does not grow forever. The daily prune job runs it after prune_events().
create or replace function telemetry.prune_dedup_keys() returns bigint
  language plpgsql volatile
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_cutoff timestamptz;
  v_removed bigint;
begin
  select max(r.cutoff) into v_cutoff from telemetry.prune_runs as r;
  if v_cutoff is null then
    return 0;
  end if;
  delete from telemetry.event_dedup_keys as k where k.occurred_at < v_cutoff;
  get diagnostics v_removed = row_count;
  return v_removed;
end
$$;
comment on function telemetry.prune_dedup_keys() is
  'Removes the de-duplication keys of events older than the last prune''s cutoff; returns how many.';
grant execute on function telemetry.prune_dedup_keys() to tp_worker;

-- source: migrations/draft/health_schema.sql
-- Customer health (SPEC §4): the schema, the level type, the dimension catalog and the tunable
-- thresholds. Health is derived on read (sql/health/*.sql): nothing here stores a score.
create schema health;
comment on schema health is 'Customer health: dimension catalog, thresholds and the derivation functions and views (derived on read, never stored).';
grant usage on schema health to tp_system_operator, tp_dba_reader;

create type health.level as enum ('ok', 'warn', 'critical', 'unknown');
comment on type health.level is 'A health level. Precedence (worst first): critical > warn > unknown > ok (health.severity).';
grant usage on type health.level to tp_system_operator, tp_dba_reader;

-- One tenant's verdict on a per-tenant dimension, before the roll-up (health.roll_up_tenants).
create type health.tenant_result as (
  workspace_id uuid,
  tenant_id uuid,
  level health.level,
  reason_code text,
  phrase_one text,
  phrase_many text,
  priority int
);
comment on type health.tenant_result is 'One tenant''s verdict on a per-tenant dimension, input of health.roll_up_tenants.';
comment on column health.tenant_result.workspace_id is 'The tenant''s workspace.';
comment on column health.tenant_result.tenant_id is 'The tenant judged.';
comment on column health.tenant_result.level is 'Its level on the dimension.';
comment on column health.tenant_result.reason_code is 'Stable reason code of the verdict.';
comment on column health.tenant_result.phrase_one is 'Predicate for one tenant ("has revoked consent").';
comment on column health.tenant_result.phrase_many is 'Predicate for several tenants ("have revoked consent").';
comment on column health.tenant_result.priority is 'Which reason names the workspace verdict when tenants at its level differ (lowest first).';
grant usage on type health.tenant_result to tp_system_operator, tp_dba_reader;

create table health.dimensions (
  key text primary key check (key ~ '^[a-z][a-z_]*$'),
  label text not null check (btrim(label) <> ''),
  basis text not null check (basis in ('point_in_time', 'window')),
  display_order int not null unique check (display_order > 0)
);
comment on table health.dimensions is 'The six fixed health dimensions (SPEC §4.2), in display order; changed only by a migration.';
comment on column health.dimensions.key is 'Stable dimension key, e.g. provider_connection_health.';
comment on column health.dimensions.label is 'Human label shown on the console.';
comment on column health.dimensions.basis is 'point_in_time (evaluated now, ignores the window) or window (evaluated over the selected window).';
comment on column health.dimensions.display_order is 'Position in every listing; also breaks ties between drivers (first = top driver).';
insert into health.dimensions (key, label, basis, display_order) values
  ('onboarding_readiness', 'Onboarding readiness', 'point_in_time', 1),
  ('provider_connection_health', 'Provider connection health', 'point_in_time', 2),
  ('operational_stability', 'Operational stability', 'window', 3),
  ('governance_pressure', 'Governance pressure', 'point_in_time', 4),
  ('review_pack_readiness', 'Review-pack readiness', 'window', 5),
  ('engagement_freshness', 'Engagement freshness', 'window', 6);

create table health.settings (
  singleton boolean primary key default true check (singleton),
  onboarding_stall_days int not null default 14 check (onboarding_stall_days between 1 and 3650),
  provider_verification_stale_days int not null default 7 check (provider_verification_stale_days between 1 and 3650),
  run_queued_stuck_minutes int not null default 30 check (run_queued_stuck_minutes between 1 and 525600),
  run_running_stuck_minutes int not null default 120 check (run_running_stuck_minutes between 1 and 525600),
  operations_critical_failed_runs int not null default 3 check (operations_critical_failed_runs >= 1),
  operations_critical_failure_rate double precision not null default 0.5
    check (operations_critical_failure_rate > 0 and operations_critical_failure_rate <= 1),
  operations_rate_min_finished_runs int not null default 4 check (operations_rate_min_finished_runs >= 1),
  exception_warning_days int not null default 14 check (exception_warning_days between 0 and 3650)
);
comment on table health.settings is 'Health thresholds (SPEC §4.2): exactly one row, tunable by tp_owner; read on every evaluation, so an update takes effect on the next read.';
comment on column health.settings.singleton is 'Always true: keeps the table to one row.';
comment on column health.settings.onboarding_stall_days is 'An in_progress onboarding not updated for this many days is critical (younger: warn).';
comment on column health.settings.provider_verification_stale_days is 'A connection last verified more than this many days ago (or never) is warn.';
comment on column health.settings.run_queued_stuck_minutes is 'A run queued for more than this many minutes is stuck (critical).';
comment on column health.settings.run_running_stuck_minutes is 'A running run with no heartbeat (or start) for more than this many minutes is stuck (critical).';
comment on column health.settings.operations_critical_failed_runs is 'This many failed runs in the window make operational stability critical.';
comment on column health.settings.operations_critical_failure_rate is 'A failure rate (failed / finished) at or above this is critical, given enough finished runs.';
comment on column health.settings.operations_rate_min_finished_runs is 'The failure rate only counts with at least this many finished (succeeded + failed) runs.';
comment on column health.settings.exception_warning_days is 'A risk_accepted exception expired or expiring within this many days is warn.';
insert into health.settings default values;

alter table health.dimensions enable row level security;
alter table health.dimensions force row level security;
create policy owner_manages_dimensions on health.dimensions for all to tp_owner using (true) with check (true);
create policy readers_read_dimensions on health.dimensions for select to tp_system_operator, tp_dba_reader using (true);
grant select on health.dimensions to tp_system_operator, tp_dba_reader;

alter table health.settings enable row level security;
alter table health.settings force row level security;
create policy owner_manages_settings on health.settings for all to tp_owner using (true) with check (true);
create policy readers_read_settings on health.settings for select to tp_system_operator, tp_dba_reader using (true);
grant select on health.settings to tp_system_operator, tp_dba_reader;

-- The DBA reader inspects health through views that run with its own rights (security_invoker),
-- so it reads the platform tables health derives from, row by row under RLS like anyone else.
grant usage on schema platform to tp_dba_reader;
do $dba_reads$
declare
  v_table text;
begin
  foreach v_table in array array[
    'workspaces', 'tenants', 'onboarding_sessions', 'provider_connections',
    'operation_runs', 'findings', 'review_packs', 'stored_reports'
  ] loop
    execute format('create policy dba_reads_%1$s on platform.%1$I for select to tp_dba_reader using (true)', v_table);
    execute format('grant select on platform.%I to tp_dba_reader', v_table);
  end loop;
end
$dba_reads$;

-- Indexes the health plans use (checked with explain in bench/health.ts).
-- Governance reads only unresolved findings per tenant; resolved ones only prove existence.
create index findings_unresolved_idx on platform.findings (workspace_id, tenant_id)
  include (severity, status, due_at, exception_expires_at) where status <> 'resolved';
-- Window scans over every workspace (dashboard, KPIs).
create index operation_runs_window_idx on platform.operation_runs (created_at)
  include (workspace_id, tenant_id, status, started_at, last_heartbeat_at);
create index review_packs_window_idx on platform.review_packs (created_at)
  include (workspace_id, tenant_id, status, expires_at);

-- source: migrations/draft/health_system_api_types.sql
-- Result types of the health functions of system_api (SPEC §4.3). One-row functions return one
-- of these composites (GraphQL: an object, or null when there is no row); counts are int, so
-- GraphQL sees Int.
create type system_api.health_kpi_summary as (
  window_start timestamptz,
  window_end timestamptz,
  total_workspaces int,
  ok_count int,
  warn_count int,
  critical_count int,
  unknown_count int
);
comment on type system_api.health_kpi_summary is 'Health KPIs of the active workspaces for a window.';
comment on column system_api.health_kpi_summary.window_start is 'Start of the window (exclusive): now() minus its length.';
comment on column system_api.health_kpi_summary.window_end is 'End of the window (inclusive): now().';
comment on column system_api.health_kpi_summary.total_workspaces is 'Active workspaces.';
comment on column system_api.health_kpi_summary.ok_count is 'Active workspaces whose overall level is ok.';
comment on column system_api.health_kpi_summary.warn_count is 'Active workspaces whose overall level is warn.';
comment on column system_api.health_kpi_summary.critical_count is 'Active workspaces whose overall level is critical.';
comment on column system_api.health_kpi_summary.unknown_count is 'Active workspaces whose overall level is unknown.';

create type system_api.attention_workspace as (
  workspace_id uuid,
  workspace_name text,
  overall_level health.level,
  non_ok_count int,
  top_dimension text,
  top_reason_code text,
  top_reason text,
  drivers text[],
  next_link text
);
comment on type system_api.attention_workspace is 'A workspace needing attention (overall level not ok), as listed on the dashboard.';
comment on column system_api.attention_workspace.workspace_id is 'The workspace.';
comment on column system_api.attention_workspace.workspace_name is 'Its name.';
comment on column system_api.attention_workspace.overall_level is 'Worst dimension level (critical > warn > unknown > ok).';
comment on column system_api.attention_workspace.non_ok_count is 'How many of the six dimensions are not ok.';
comment on column system_api.attention_workspace.top_dimension is 'Key of the top driver: the first dimension (in dimension order) at the overall level.';
comment on column system_api.attention_workspace.top_reason_code is 'Stable reason code of the top driver.';
comment on column system_api.attention_workspace.top_reason is 'Human reason of the top driver.';
comment on column system_api.attention_workspace.drivers is 'Labels of the dimensions at the overall level, in dimension order.';
comment on column system_api.attention_workspace.next_link is 'The one console path to open next (tenant page when the top driver is attributable to a single tenant, else the workspace page), keeping the window.';

create type system_api.workspace_health_card as (
  workspace_id uuid,
  workspace_name text,
  overall_level health.level,
  non_ok_count int,
  top_dimension text,
  top_reason_code text,
  top_reason text,
  drivers text[],
  window_start timestamptz,
  window_end timestamptz,
  next_link text,
  previous_overall_level health.level
);
comment on type system_api.workspace_health_card is 'The health card of one workspace for a window; agrees with its dashboard row.';
comment on column system_api.workspace_health_card.workspace_id is 'The workspace.';
comment on column system_api.workspace_health_card.workspace_name is 'Its name.';
comment on column system_api.workspace_health_card.overall_level is 'Worst dimension level (critical > warn > unknown > ok).';
comment on column system_api.workspace_health_card.non_ok_count is 'How many of the six dimensions are not ok.';
comment on column system_api.workspace_health_card.top_dimension is 'Key of the top driver; null when the workspace is ok.';
comment on column system_api.workspace_health_card.top_reason_code is 'Stable reason code of the top driver; null when ok.';
comment on column system_api.workspace_health_card.top_reason is 'Human reason of the top driver; null when ok.';
comment on column system_api.workspace_health_card.drivers is 'Labels of the dimensions at the overall level, in dimension order; empty when ok.';
comment on column system_api.workspace_health_card.window_start is 'Start of the window (exclusive): now() minus its length.';
comment on column system_api.workspace_health_card.window_end is 'End of the window (inclusive): now().';
comment on column system_api.workspace_health_card.next_link is 'The one console path to open next, keeping the window.';
comment on column system_api.workspace_health_card.previous_overall_level is 'Overall level one window earlier: worst of the windowed dimensions'' previous levels and the current point-in-time levels.';

create type system_api.workspace_health_dimension as (
  dimension text,
  label text,
  basis text,
  level health.level,
  reason_code text,
  reason text,
  evidence jsonb,
  previous_level health.level
);
comment on type system_api.workspace_health_dimension is 'One dimension of a workspace''s health card.';
comment on column system_api.workspace_health_dimension.dimension is 'Dimension key.';
comment on column system_api.workspace_health_dimension.label is 'Dimension label.';
comment on column system_api.workspace_health_dimension.basis is 'point_in_time or window.';
comment on column system_api.workspace_health_dimension.level is 'Level of the dimension.';
comment on column system_api.workspace_health_dimension.reason_code is 'Stable reason code.';
comment on column system_api.workspace_health_dimension.reason is 'Human reason.';
comment on column system_api.workspace_health_dimension.evidence is 'Counts and the ids of at most 5 contributing tenants or rows.';
comment on column system_api.workspace_health_dimension.previous_level is 'Windowed dimensions: the level over the previous window of equal length (as of now() minus the length, on today''s statuses). Point-in-time: null.';

create type system_api.tenant_health_card as (
  tenant_id uuid,
  tenant_name text,
  workspace_id uuid,
  workspace_name text,
  overall_level health.level,
  non_ok_count int,
  top_dimension text,
  top_reason_code text,
  top_reason text,
  drivers text[],
  window_start timestamptz,
  window_end timestamptz,
  next_link text,
  previous_overall_level health.level
);
comment on type system_api.tenant_health_card is 'The health card of a tenant''s workspace, with the tenant named; same drivers as the dashboard.';
comment on column system_api.tenant_health_card.tenant_id is 'The tenant.';
comment on column system_api.tenant_health_card.tenant_name is 'Its name.';
comment on column system_api.tenant_health_card.workspace_id is 'Its workspace.';
comment on column system_api.tenant_health_card.workspace_name is 'The workspace name.';
comment on column system_api.tenant_health_card.overall_level is 'The workspace''s overall level.';
comment on column system_api.tenant_health_card.non_ok_count is 'How many of the six dimensions are not ok.';
comment on column system_api.tenant_health_card.top_dimension is 'Key of the top driver; null when ok.';
comment on column system_api.tenant_health_card.top_reason_code is 'Stable reason code of the top driver.';
comment on column system_api.tenant_health_card.top_reason is 'Human reason of the top driver.';
comment on column system_api.tenant_health_card.drivers is 'Labels of the dimensions at the overall level, in dimension order.';
comment on column system_api.tenant_health_card.window_start is 'Start of the window (exclusive).';
comment on column system_api.tenant_health_card.window_end is 'End of the window (inclusive).';
comment on column system_api.tenant_health_card.next_link is 'The one console path to open next, keeping the window.';
comment on column system_api.tenant_health_card.previous_overall_level is 'The workspace''s overall level one window earlier.';

grant usage on type system_api.health_kpi_summary, system_api.attention_workspace,
  system_api.workspace_health_card, system_api.workspace_health_dimension, system_api.tenant_health_card
  to tp_system_operator;

-- source: sql/health/level_precedence.sql
-- The one precedence of health levels (SPEC §4.1): critical > warn > unknown > ok. Everything
-- that compares or combines levels goes through health.severity (directly or via health.worst).
create or replace function health.severity(p_level health.level) returns int
  language sql immutable strict parallel safe
as $$
  select case p_level
    when 'critical' then 3
    when 'warn' then 2
    when 'unknown' then 1
    when 'ok' then 0
  end
$$;
comment on function health.severity(health.level) is
  'Severity rank of a level: critical 3 > warn 2 > unknown 1 > ok 0 (the one precedence of SPEC §4.1).';
grant execute on function health.severity(health.level) to tp_system_operator, tp_dba_reader;

create or replace function health.worse(p_a health.level, p_b health.level) returns health.level
  language sql immutable parallel safe
as $$
  select case
    when p_a is null then p_b
    when p_b is null then p_a
    when health.severity(p_b) > health.severity(p_a) then p_b
    else p_a
  end
$$;
comment on function health.worse(health.level, health.level) is
  'The worse of two levels by health.severity (nulls ignored).';
grant execute on function health.worse(health.level, health.level) to tp_system_operator, tp_dba_reader;

create or replace aggregate health.worst(health.level) (
  sfunc = health.worse,
  stype = health.level,
  combinefunc = health.worse,
  parallel = safe
);
comment on aggregate health.worst(health.level) is
  'The worst level of a set by health.severity; null for an empty set.';
grant execute on function health.worst(health.level) to tp_system_operator, tp_dba_reader;

-- source: sql/health/window_length.sql
-- The length of a console window (SPEC §3.5): a window is (now() - length, now()]. Health takes
-- the window by name (text, the labels of system_api.console_window) so that its readers need no
-- right on system_api: the DBA reader evaluates health without it. An unknown name is refused.
create or replace function health.window_length(p_window text) returns interval
  language plpgsql immutable strict parallel safe
  set search_path = pg_catalog, pg_temp
as $$
begin
  case p_window
    when 'last_hour' then return interval '1 hour';
    when 'last_24_hours' then return interval '24 hours';
    when 'last_7_days' then return interval '7 days';
    when 'last_30_days' then return interval '30 days';
    else
      raise exception using
        errcode = '22P02',
        message = pg_catalog.format('invalid health window: %L', p_window),
        detail = 'The window must be one of last_hour, last_24_hours, last_7_days, last_30_days.';
  end case;
end
$$;
comment on function health.window_length(text) is
  'Length of a console window given by name (last_hour, last_24_hours, last_7_days, last_30_days); the window is (now() - length, now()].';
grant execute on function health.window_length(text) to tp_system_operator, tp_dba_reader;

-- source: sql/health/configured_window.sql
-- The window of the DBA views: setting tenantpulse.health_window (any level: role, database,
-- session), default last_24_hours. An invalid value fails loudly (22P02) rather than guessing.
create or replace function health.configured_window() returns text
  language sql stable parallel safe
as $$
  select v.name
    from (select coalesce(nullif(btrim(pg_catalog.current_setting('tenantpulse.health_window', true)), ''),
                          'last_24_hours') as name) as v
   where health.window_length(v.name) is not null
$$;
comment on function health.configured_window() is
  'Window of the DBA views: setting tenantpulse.health_window, default last_24_hours (validated).';
grant execute on function health.configured_window() to tp_system_operator, tp_dba_reader;

-- source: sql/health/retention_window.sql
-- Engagement freshness looks back over the telemetry retention window (SPEC §3.6). The readers
-- of health (operator, DBA) may not read telemetry.settings, so this one value is read as the
-- owner. Definer: pinned search_path, schema-qualified, takes no input.
create or replace function health.retention_days() returns int
  language sql stable security definer parallel safe
  set search_path = pg_catalog, pg_temp
as $$
  select s.retention_days::int from telemetry.settings as s limit 1
$$;
comment on function health.retention_days() is
  'Telemetry retention in days (telemetry.settings.retention_days), readable by the health readers.';
grant execute on function health.retention_days() to tp_system_operator, tp_dba_reader;

-- source: sql/health/telemetry_activity.sql
-- Telemetry facts health needs, per workspace, without handing any plane a raw event: the time
-- of the latest event and the request events of a window. telemetry.event_counts answers the
-- same questions for every workspace at once; these answer them for the given workspaces with
-- index probes ((workspace_id, occurred_at) on the ledger), which the card (< 20 ms) and the
-- dashboard (< 300 ms) need. Definers (the ledger is the owner's), pinned search_path; only
-- aggregates leave them, and only events of active tenants count. Planned per call
-- (force_custom_plan): a generic plan cannot prune the ledger's daily partitions.

-- The latest event at or before p_as_of and after p_after, per given workspace (null: none).
create or replace function health.last_event_at(p_workspace_ids uuid[], p_after timestamptz, p_as_of timestamptz)
  returns table (workspace_id uuid, last_event_at timestamptz)
  language sql stable security definer parallel safe
  set search_path = pg_catalog, pg_temp
  set plan_cache_mode = force_custom_plan
as $$
  select w.id,
         (select e.occurred_at
            from telemetry.product_usage_events as e
           where e.workspace_id = w.id
             and e.occurred_at > p_after and e.occurred_at <= p_as_of
             and exists (select from platform.tenants as t
                          where t.workspace_id = e.workspace_id and t.id = e.tenant_id and t.archived_at is null)
           order by e.occurred_at desc
           limit 1)
    from unnest(p_workspace_ids) as w (id)
$$;
comment on function health.last_event_at(uuid[], timestamptz, timestamptz) is
  'Per given workspace: occurred_at of its latest event (of an active tenant) in (p_after, p_as_of], or null.';
grant execute on function health.last_event_at(uuid[], timestamptz, timestamptz) to tp_system_operator, tp_dba_reader;

-- review_packs.generation_requested events in (p_from, p_to] per given workspace (active
-- tenants only): how many, and the distinct tenants that made them (sorted).
create or replace function health.review_pack_requests(p_workspace_ids uuid[], p_from timestamptz, p_to timestamptz)
  returns table (workspace_id uuid, request_events int, tenant_ids uuid[])
  language sql stable security definer parallel safe
  set search_path = pg_catalog, pg_temp
  set plan_cache_mode = force_custom_plan
as $$
  select e.workspace_id, count(*)::int, pg_catalog.array_agg(distinct e.tenant_id order by e.tenant_id)
    from unnest(p_workspace_ids) as w (id)
    join telemetry.product_usage_events as e
      on e.workspace_id = w.id and e.occurred_at > p_from and e.occurred_at <= p_to
     and e.event_name = 'review_packs.generation_requested'
    join platform.tenants as t on t.workspace_id = e.workspace_id and t.id = e.tenant_id and t.archived_at is null
   group by e.workspace_id
$$;
comment on function health.review_pack_requests(uuid[], timestamptz, timestamptz) is
  'Per given workspace: review_packs.generation_requested events (of active tenants) in (p_from, p_to], and their distinct tenants.';
grant execute on function health.review_pack_requests(uuid[], timestamptz, timestamptz) to tp_system_operator, tp_dba_reader;

-- source: sql/health/roll_up_tenants.sql
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

-- source: sql/health/dimension_onboarding_readiness.sql
-- Dimension 1, onboarding readiness (SPEC §4.2), point in time, per tenant: the tenant's latest
-- onboarding session (by started_at) decides. No session: unknown; completed: ok; in_progress
-- updated within onboarding_stall_days: warn; blocked, abandoned, or in_progress not updated for
-- onboarding_stall_days (age >= the threshold): critical. Rolled up over active tenants.
create or replace function health.dimension_onboarding_readiness(p_workspace_id uuid default null)
  returns table (workspace_id uuid, level health.level, reason_code text, reason text, evidence jsonb, attributed_tenant_id uuid)
  language sql stable parallel safe
as $$
  select r.*
    from health.roll_up_tenants(p_workspace_id, 'onboarding.no_active_tenant', array(
      select case
               when s.status is null then
                 row(t.workspace_id, t.id, 'unknown', 'onboarding.no_session', 'has no onboarding session', 'have no onboarding session', 1)::health.tenant_result
               when s.status = 'blocked' then
                 row(t.workspace_id, t.id, 'critical', 'onboarding.blocked', 'has a blocked onboarding', 'have a blocked onboarding', 1)::health.tenant_result
               when s.status = 'abandoned' then
                 row(t.workspace_id, t.id, 'critical', 'onboarding.abandoned', 'has an abandoned onboarding', 'have an abandoned onboarding', 2)::health.tenant_result
               when s.status = 'in_progress'
                    and s.updated_at <= pg_catalog.now() - pg_catalog.make_interval(days => st.onboarding_stall_days) then
                 row(t.workspace_id, t.id, 'critical', 'onboarding.stalled',
                     pg_catalog.format('has an onboarding not updated for %s days', st.onboarding_stall_days),
                     pg_catalog.format('have an onboarding not updated for %s days', st.onboarding_stall_days), 3)::health.tenant_result
               when s.status = 'in_progress' then
                 row(t.workspace_id, t.id, 'warn', 'onboarding.in_progress', 'is still onboarding', 'are still onboarding', 1)::health.tenant_result
               else
                 row(t.workspace_id, t.id, 'ok', 'onboarding.completed', 'has completed onboarding', 'have completed onboarding', 1)::health.tenant_result
             end
        from platform.tenants as t
        join platform.workspaces as w on w.id = t.workspace_id and w.archived_at is null
        cross join health.settings as st
        left join lateral (
          select s.status, s.updated_at
            from platform.onboarding_sessions as s
           where s.workspace_id = t.workspace_id and s.tenant_id = t.id
           order by s.started_at desc, s.id desc
           limit 1
        ) as s on true
       where t.archived_at is null
         and (p_workspace_id is null or t.workspace_id = p_workspace_id)
    )) as r
$$;
comment on function health.dimension_onboarding_readiness(uuid) is
  'Onboarding readiness per active workspace (or the one given): worst latest-session verdict over its active tenants.';
grant execute on function health.dimension_onboarding_readiness(uuid) to tp_system_operator, tp_dba_reader;

-- source: sql/health/dimension_provider_connection_health.sql
-- Dimension 2, provider connection health (SPEC §4.2), point in time, per tenant, worst
-- connection: none: unknown; consent revoked or verification failed: critical; consent pending,
-- verification unverified, or last_verified_at null or older than (strictly more than)
-- provider_verification_stale_days: warn; else ok. Rolled up over active tenants.
create or replace function health.dimension_provider_connection_health(p_workspace_id uuid default null)
  returns table (workspace_id uuid, level health.level, reason_code text, reason text, evidence jsonb, attributed_tenant_id uuid)
  language sql stable parallel safe
as $$
  select r.*
    from health.roll_up_tenants(p_workspace_id, 'provider.no_active_tenant', array(
      select case
               when c.connections is null then
                 row(t.workspace_id, t.id, 'unknown', 'provider.no_connection', 'has no provider connection', 'have no provider connection', 1)::health.tenant_result
               when c.revoked then
                 row(t.workspace_id, t.id, 'critical', 'provider.consent_revoked', 'has revoked consent', 'have revoked consent', 1)::health.tenant_result
               when c.failed then
                 row(t.workspace_id, t.id, 'critical', 'provider.verification_failed', 'has a failed verification', 'have a failed verification', 2)::health.tenant_result
               when c.pending then
                 row(t.workspace_id, t.id, 'warn', 'provider.consent_pending', 'has consent pending', 'have consent pending', 1)::health.tenant_result
               when c.unverified then
                 row(t.workspace_id, t.id, 'warn', 'provider.unverified', 'has an unverified connection', 'have an unverified connection', 2)::health.tenant_result
               when c.stale then
                 row(t.workspace_id, t.id, 'warn', 'provider.verification_stale',
                     pg_catalog.format('has a connection not verified in the last %s days', st.provider_verification_stale_days),
                     pg_catalog.format('have a connection not verified in the last %s days', st.provider_verification_stale_days), 3)::health.tenant_result
               else
                 row(t.workspace_id, t.id, 'ok', 'provider.healthy', 'has healthy connections', 'have healthy connections', 1)::health.tenant_result
             end
        from platform.tenants as t
        join platform.workspaces as w on w.id = t.workspace_id and w.archived_at is null
        cross join health.settings as st
        left join (
          select pc.workspace_id, pc.tenant_id, count(*) as connections,
                 bool_or(pc.consent_status = 'revoked') as revoked,
                 bool_or(pc.verification_status = 'failed') as failed,
                 bool_or(pc.consent_status = 'pending') as pending,
                 bool_or(pc.verification_status = 'unverified') as unverified,
                 bool_or(pc.last_verified_at is null
                   or pc.last_verified_at < pg_catalog.now() - pg_catalog.make_interval(days => s2.provider_verification_stale_days)) as stale
            from platform.provider_connections as pc
            cross join health.settings as s2
           where p_workspace_id is null or pc.workspace_id = p_workspace_id
           group by pc.workspace_id, pc.tenant_id
        ) as c on c.workspace_id = t.workspace_id and c.tenant_id = t.id
       where t.archived_at is null
         and (p_workspace_id is null or t.workspace_id = p_workspace_id)
    )) as r
$$;
comment on function health.dimension_provider_connection_health(uuid) is
  'Provider connection health per active workspace (or the one given): worst connection verdict over its active tenants.';
grant execute on function health.dimension_provider_connection_health(uuid) to tp_system_operator, tp_dba_reader;

-- source: sql/health/dimension_operational_stability.sql
-- Dimension 3, operational stability (SPEC §4.2), over a window (p_as_of - p_length, p_as_of]:
-- the runs of the workspace (its active tenants' and its tenantless runs) created in the window.
-- None: unknown; any stuck run, or >= operations_critical_failed_runs failed, or a failure rate
-- >= operations_critical_failure_rate among >= operations_rate_min_finished_runs finished runs:
-- critical; >= 1 failed: warn; else ok. Finished = succeeded or failed (cancelled: neither).
-- Stuck, as of p_as_of = queued for more than run_queued_stuck_minutes since created, or running
-- with no heartbeat (or start) for more than run_running_stuck_minutes. p_as_of lets the card
-- evaluate the previous window (as of now() - length) on today's statuses.
-- Evidence: the counts, and the ids (at most 5, sorted) of the runs that decided the level
-- (stuck runs when stuck decided, else failed runs). Attribution: those runs all belong to one
-- tenant and none is tenantless.
create or replace function health.dimension_operational_stability(
  p_as_of timestamptz, p_length interval, p_workspace_id uuid default null
)
  returns table (workspace_id uuid, level health.level, reason_code text, reason text, evidence jsonb, attributed_tenant_id uuid)
  language sql stable parallel safe
as $$
  with runs as (
    select r.workspace_id, r.id, r.tenant_id, r.status,
           (r.status = 'queued'
              and r.created_at < p_as_of - pg_catalog.make_interval(mins => st.run_queued_stuck_minutes))
           or (r.status = 'running'
              and coalesce(r.last_heartbeat_at, r.started_at, r.created_at)
                  < p_as_of - pg_catalog.make_interval(mins => st.run_running_stuck_minutes)) as stuck
      from platform.operation_runs as r
      join platform.workspaces as w on w.id = r.workspace_id and w.archived_at is null
      cross join health.settings as st
      left join platform.tenants as t on t.workspace_id = r.workspace_id and t.id = r.tenant_id
     where r.created_at > p_as_of - p_length and r.created_at <= p_as_of
       and (r.tenant_id is null or t.archived_at is null)
       and (p_workspace_id is null or r.workspace_id = p_workspace_id)
  ),
  counted as (
    select r.workspace_id,
           count(*)::int as runs,
           (count(*) filter (where r.stuck))::int as stuck,
           (count(*) filter (where r.status = 'failed'))::int as failed,
           (count(*) filter (where r.status = 'succeeded'))::int as succeeded,
           (count(*) filter (where r.status = 'cancelled'))::int as cancelled,
           (count(*) filter (where r.status in ('queued', 'running')))::int as in_flight
      from runs as r
     group by r.workspace_id
  ),
  -- The few runs that can decide a level (stuck or failed), kept apart so only they are sorted.
  deciding as (
    select r.workspace_id,
           (pg_catalog.array_agg(r.id order by r.id) filter (where r.stuck))[1:5] as stuck_ids,
           (pg_catalog.array_agg(r.id order by r.id) filter (where r.status = 'failed'))[1:5] as failed_ids,
           case when count(distinct r.tenant_id) filter (where r.stuck) = 1
                 and not bool_or(r.tenant_id is null) filter (where r.stuck)
                then (pg_catalog.array_agg(r.tenant_id) filter (where r.stuck))[1] end as stuck_tenant,
           case when count(distinct r.tenant_id) filter (where r.status = 'failed') = 1
                 and not bool_or(r.tenant_id is null) filter (where r.status = 'failed')
                then (pg_catalog.array_agg(r.tenant_id) filter (where r.status = 'failed'))[1] end as failed_tenant
      from runs as r
     where r.stuck or r.status = 'failed'
     group by r.workspace_id
  ),
  judged as (
    select w.id as workspace_id,
           coalesce(c.runs, 0) as runs, coalesce(c.stuck, 0) as stuck, coalesce(c.failed, 0) as failed,
           coalesce(c.succeeded, 0) as succeeded, coalesce(c.cancelled, 0) as cancelled,
           coalesce(c.in_flight, 0) as in_flight,
           coalesce(c.succeeded, 0) + coalesce(c.failed, 0) as finished,
           d.stuck_ids, d.failed_ids, d.stuck_tenant, d.failed_tenant,
           st.operations_critical_failed_runs as critical_failed,
           st.operations_critical_failure_rate as critical_rate,
           st.operations_rate_min_finished_runs as rate_min_finished
      from platform.workspaces as w
      cross join health.settings as st
      left join counted as c on c.workspace_id = w.id
      left join deciding as d on d.workspace_id = w.id
     where w.archived_at is null
       and (p_workspace_id is null or w.id = p_workspace_id)
  ),
  verdict as (
    select j.*,
           case when j.runs = 0 then 'operations.no_runs'
                when j.stuck > 0 then 'operations.stuck_runs'
                when j.failed >= j.critical_failed then 'operations.failed_runs'
                when j.finished >= j.rate_min_finished
                     and j.failed::double precision / j.finished >= j.critical_rate then 'operations.failure_rate'
                when j.failed >= 1 then 'operations.failed_run'
                else 'operations.stable' end as code
      from judged as j
  )
  select v.workspace_id,
         case v.code when 'operations.no_runs' then 'unknown'::health.level
                     when 'operations.failed_run' then 'warn'
                     when 'operations.stable' then 'ok'
                     else 'critical' end,
         v.code,
         case v.code
           when 'operations.no_runs' then 'No operation runs in the window'
           when 'operations.stuck_runs' then pg_catalog.format('%s of %s %s stuck', v.stuck, v.runs,
             case when v.runs = 1 then 'run is' when v.stuck = 1 then 'runs is' else 'runs are' end)
           when 'operations.failure_rate' then pg_catalog.format('%s of %s finished runs failed (%s%%)', v.failed, v.finished,
             pg_catalog.round(100.0 * v.failed / v.finished))
           when 'operations.stable' then pg_catalog.format('%s %s, none failed or stuck', v.runs,
             case when v.runs = 1 then 'run' else 'runs' end)
           else pg_catalog.format('%s of %s %s failed', v.failed, v.runs, case when v.runs = 1 then 'run' else 'runs' end)
         end,
         pg_catalog.jsonb_build_object(
           'runs', v.runs, 'stuck', v.stuck, 'failed', v.failed, 'succeeded', v.succeeded,
           'finished', v.finished, 'cancelled', v.cancelled, 'in_flight', v.in_flight,
           'failure_rate', case when v.finished > 0 then v.failed::double precision / v.finished end,
           'run_ids', pg_catalog.to_jsonb(coalesce(
             case when v.code = 'operations.stuck_runs' then v.stuck_ids
                  when v.code in ('operations.failed_runs', 'operations.failure_rate', 'operations.failed_run') then v.failed_ids
             end, '{}'::uuid[]))),
         case when v.code = 'operations.stuck_runs' then v.stuck_tenant
              when v.code in ('operations.failed_runs', 'operations.failure_rate', 'operations.failed_run') then v.failed_tenant
         end
    from verdict as v
$$;
comment on function health.dimension_operational_stability(timestamptz, interval, uuid) is
  'Operational stability per active workspace (or the one given) over the window (p_as_of - p_length, p_as_of].';
grant execute on function health.dimension_operational_stability(timestamptz, interval, uuid) to tp_system_operator, tp_dba_reader;

-- source: sql/health/dimension_governance_pressure.sql
-- Dimension 4, governance pressure (SPEC §4.2), point in time, per tenant: no finding (resolved
-- ones included) and no permission_posture report ever: unknown; an open critical finding, or an
-- open high finding past due_at: critical; an open high finding, any open finding past due_at,
-- or a risk_accepted exception expired or expiring within exception_warning_days (inclusive;
-- none when exception_expires_at is null): warn; else ok. Rolled up over active tenants.
create or replace function health.dimension_governance_pressure(p_workspace_id uuid default null)
  returns table (workspace_id uuid, level health.level, reason_code text, reason text, evidence jsonb, attributed_tenant_id uuid)
  language sql stable parallel safe
as $$
  select r.*
    from health.roll_up_tenants(p_workspace_id, 'governance.no_active_tenant', array(
      select case
               when p.tenant_id is null
                    and not exists (select from platform.findings as f
                                     where f.workspace_id = t.workspace_id and f.tenant_id = t.id)
                    and not exists (select from platform.stored_reports as sr
                                     where sr.workspace_id = t.workspace_id and sr.tenant_id = t.id
                                       and sr.report_type = 'permission_posture') then
                 row(t.workspace_id, t.id, 'unknown', 'governance.no_data',
                     'has no findings and no permission posture report', 'have no findings and no permission posture report', 1)::health.tenant_result
               when p.open_critical then
                 row(t.workspace_id, t.id, 'critical', 'governance.open_critical', 'has an open critical finding', 'have an open critical finding', 1)::health.tenant_result
               when p.high_overdue then
                 row(t.workspace_id, t.id, 'critical', 'governance.high_overdue', 'has an open high finding past due', 'have an open high finding past due', 2)::health.tenant_result
               when p.open_high then
                 row(t.workspace_id, t.id, 'warn', 'governance.open_high', 'has an open high finding', 'have an open high finding', 1)::health.tenant_result
               when p.overdue then
                 row(t.workspace_id, t.id, 'warn', 'governance.overdue', 'has an open finding past due', 'have an open finding past due', 2)::health.tenant_result
               when p.exception_expiring then
                 row(t.workspace_id, t.id, 'warn', 'governance.exception_expiring',
                     pg_catalog.format('has a risk exception expired or expiring within %s days', st.exception_warning_days),
                     pg_catalog.format('have a risk exception expired or expiring within %s days', st.exception_warning_days), 3)::health.tenant_result
               else
                 row(t.workspace_id, t.id, 'ok', 'governance.clear', 'has no governance pressure', 'have no governance pressure', 1)::health.tenant_result
             end
        from platform.tenants as t
        join platform.workspaces as w on w.id = t.workspace_id and w.archived_at is null
        cross join health.settings as st
        left join (
          -- Unresolved findings only (partial index findings_unresolved_idx); resolved ones only
          -- prove that governance truth exists (the exists probes above).
          select f.workspace_id, f.tenant_id,
                 coalesce(bool_or(f.status = 'open' and f.severity = 'critical'), false) as open_critical,
                 coalesce(bool_or(f.status = 'open' and f.severity = 'high' and f.due_at < pg_catalog.now()), false) as high_overdue,
                 coalesce(bool_or(f.status = 'open' and f.severity = 'high'), false) as open_high,
                 coalesce(bool_or(f.status = 'open' and f.due_at < pg_catalog.now()), false) as overdue,
                 coalesce(bool_or(f.status = 'risk_accepted'
                   and f.exception_expires_at <= pg_catalog.now() + pg_catalog.make_interval(days => s2.exception_warning_days)), false) as exception_expiring
            from platform.findings as f
            cross join health.settings as s2
           where f.status <> 'resolved'
             and (p_workspace_id is null or f.workspace_id = p_workspace_id)
           group by f.workspace_id, f.tenant_id
        ) as p on p.workspace_id = t.workspace_id and p.tenant_id = t.id
       where t.archived_at is null
         and (p_workspace_id is null or t.workspace_id = p_workspace_id)
    )) as r
$$;
comment on function health.dimension_governance_pressure(uuid) is
  'Governance pressure per active workspace (or the one given): worst findings verdict over its active tenants.';
grant execute on function health.dimension_governance_pressure(uuid) to tp_system_operator, tp_dba_reader;

-- source: sql/health/dimension_review_pack_readiness.sql
-- Dimension 5, review-pack readiness (SPEC §4.2), over a window (p_as_of - p_length, p_as_of]
-- ("recent" = the window). Request context = a review_packs.generation_requested event in the
-- window (of an active tenant) or a review pack created in the window. The latest relevant pack =
-- the newest pack created in the window (workspace-wide or of an active tenant); it alone decides.
--   no request context and no pack in the window   unknown   review_packs.no_request
--   context, no usable pack yet (none, or latest queued/generating)
--                                                   warn      review_packs.not_generated / review_packs.pending
--   latest ready and not expired (expires_at null or after p_as_of)
--                                                   ok        review_packs.ready
--   latest failed, or ready but expired             critical  review_packs.failed / review_packs.expired
-- Attribution: the latest pack's tenant; with no pack, the one tenant of the request events.
-- Request events are counted (health.review_pack_requests) only where no pack was created in the
-- window; elsewhere evidence.request_events is null (the latest pack decides).
create or replace function health.dimension_review_pack_readiness(
  p_as_of timestamptz, p_length interval, p_workspace_id uuid default null
)
  returns table (workspace_id uuid, level health.level, reason_code text, reason text, evidence jsonb, attributed_tenant_id uuid)
  language sql stable parallel safe
as $$
  with packs as (
    select p.workspace_id, p.id, p.tenant_id, p.status, p.expires_at, p.created_at,
           pg_catalog.row_number() over (partition by p.workspace_id order by p.created_at desc, p.id desc) as recency
      from platform.review_packs as p
      left join platform.tenants as t on t.workspace_id = p.workspace_id and t.id = p.tenant_id
     where p.created_at > p_as_of - p_length and p.created_at <= p_as_of
       and (p.tenant_id is null or t.archived_at is null)
       and (p_workspace_id is null or p.workspace_id = p_workspace_id)
  ),
  pack_summary as (
    select p.workspace_id,
           count(*)::int as packs,
           pg_catalog.jsonb_agg(p.id order by p.recency) filter (where p.recency <= 5) as pack_ids,
           (pg_catalog.array_agg(p.id) filter (where p.recency = 1))[1] as latest_id,
           (pg_catalog.array_agg(p.tenant_id) filter (where p.recency = 1))[1] as latest_tenant,
           (pg_catalog.array_agg(p.status) filter (where p.recency = 1))[1] as latest_status,
           bool_or(p.status = 'ready' and p.expires_at <= p_as_of) filter (where p.recency = 1) as latest_expired
      from packs as p
     group by p.workspace_id
  ),
  workspaces as (
    select w.id, s.packs, s.pack_ids, s.latest_id, s.latest_tenant, s.latest_status, s.latest_expired
      from platform.workspaces as w
      left join pack_summary as s on s.workspace_id = w.id
     where w.archived_at is null
       and (p_workspace_id is null or w.id = p_workspace_id)
  ),
  judged as (
    -- Request events only matter where no pack was created in the window (a pack is context).
    select w.id as workspace_id,
           coalesce(r.request_events, 0) as request_events,
           pg_catalog.cardinality(r.tenant_ids) as request_tenants, r.tenant_ids[1] as request_tenant,
           coalesce(w.packs, 0) as packs, w.pack_ids, w.latest_id, w.latest_tenant, w.latest_status,
           coalesce(w.latest_expired, false) as latest_expired
      from workspaces as w
      left join health.review_pack_requests(
        array(select w2.id from workspaces as w2 where w2.packs is null),
        p_as_of - p_length, p_as_of) as r on r.workspace_id = w.id
  ),
  verdict as (
    select j.*,
           case when j.packs = 0 and j.request_events = 0 then 'review_packs.no_request'
                when j.packs = 0 then 'review_packs.not_generated'
                when j.latest_status in ('queued', 'generating') then 'review_packs.pending'
                when j.latest_status = 'failed' then 'review_packs.failed'
                when j.latest_expired then 'review_packs.expired'
                else 'review_packs.ready' end as code
      from judged as j
  )
  select v.workspace_id,
         case v.code when 'review_packs.no_request' then 'unknown'::health.level
                     when 'review_packs.not_generated' then 'warn'
                     when 'review_packs.pending' then 'warn'
                     when 'review_packs.ready' then 'ok'
                     else 'critical' end,
         v.code,
         case v.code
           when 'review_packs.no_request' then 'No review pack requested or created in the window'
           when 'review_packs.not_generated' then pg_catalog.format('%s review pack %s in the window, none generated yet',
             v.request_events, case when v.request_events = 1 then 'request' else 'requests' end)
           when 'review_packs.pending' then pg_catalog.format('The latest review pack is still %s', v.latest_status)
           when 'review_packs.failed' then 'The latest review pack failed'
           when 'review_packs.expired' then 'The latest review pack has expired'
           else 'The latest review pack is ready'
         end,
         pg_catalog.jsonb_build_object(
           'request_events', case when v.packs = 0 then v.request_events end, 'packs_in_window', v.packs,
           'latest_pack_id', v.latest_id, 'latest_status', v.latest_status,
           'pack_ids', coalesce(v.pack_ids, '[]')),
         case when v.latest_id is not null then v.latest_tenant
              when v.request_tenants = 1 then v.request_tenant end
    from verdict as v
$$;
comment on function health.dimension_review_pack_readiness(timestamptz, interval, uuid) is
  'Review-pack readiness per active workspace (or the one given) over the window (p_as_of - p_length, p_as_of].';
grant execute on function health.dimension_review_pack_readiness(timestamptz, interval, uuid) to tp_system_operator, tp_dba_reader;

-- source: sql/health/dimension_engagement_freshness.sql
-- Dimension 6, engagement freshness (SPEC §4.2), over a window (p_as_of - p_length, p_as_of],
-- from telemetry (events of active tenants): >= 1 event in the window: ok; none in the window but
-- some within retention (p_as_of - retention_days, p_as_of]: warn; none within retention:
-- critical when the workspace is older than the window (created at or before its start), else
-- unknown. Decided by the latest event at or before p_as_of (health.last_event_at), which is
-- also the evidence. Never attributable to one tenant.
create or replace function health.dimension_engagement_freshness(
  p_as_of timestamptz, p_length interval, p_workspace_id uuid default null
)
  returns table (workspace_id uuid, level health.level, reason_code text, reason text, evidence jsonb, attributed_tenant_id uuid)
  language sql stable parallel safe
as $$
  with workspaces as (
    select w.id, w.created_at
      from platform.workspaces as w
     where w.archived_at is null
       and (p_workspace_id is null or w.id = p_workspace_id)
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
        p_as_of - pg_catalog.make_interval(days => (select r2.days from retention as r2)),
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
                pg_catalog.format('No events in the window; the last one %s ago',
                  pg_catalog.justify_interval(pg_catalog.date_trunc('minute', p_as_of - j.last_event_at)))
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

-- source: sql/health/evaluate.sql
-- The one shared definition of workspace health: every active workspace (or the one given) ×
-- the six dimensions, evaluated now for the window. The dashboard, the KPIs, the cards and the
-- DBA views all read this (through health.workspace_summary), so they cannot disagree.
create or replace function health.evaluate(p_window text, p_workspace_id uuid default null)
  returns table (
    workspace_id uuid, workspace_name text, dimension text, label text, basis text, display_order int,
    level health.level, reason_code text, reason text, evidence jsonb, attributed_tenant_id uuid
  )
  language sql stable parallel safe
as $$
  with results as (
    select 'onboarding_readiness' as dimension, r.*
      from health.dimension_onboarding_readiness(p_workspace_id) as r
    union all
    select 'provider_connection_health', r.*
      from health.dimension_provider_connection_health(p_workspace_id) as r
    union all
    select 'operational_stability', r.*
      from health.dimension_operational_stability(pg_catalog.now(), health.window_length(p_window), p_workspace_id) as r
    union all
    select 'governance_pressure', r.*
      from health.dimension_governance_pressure(p_workspace_id) as r
    union all
    select 'review_pack_readiness', r.*
      from health.dimension_review_pack_readiness(pg_catalog.now(), health.window_length(p_window), p_workspace_id) as r
    union all
    select 'engagement_freshness', r.*
      from health.dimension_engagement_freshness(pg_catalog.now(), health.window_length(p_window), p_workspace_id) as r
  )
  select w.id, w.name, d.key, d.label, d.basis, d.display_order,
         r.level, r.reason_code, r.reason, r.evidence, r.attributed_tenant_id
    from results as r
    join health.dimensions as d on d.key = r.dimension
    join platform.workspaces as w on w.id = r.workspace_id
$$;
comment on function health.evaluate(text, uuid) is
  'Health of every active workspace (or the one given) on each of the six dimensions, now, for the window.';
grant execute on function health.evaluate(text, uuid) to tp_system_operator, tp_dba_reader;

-- source: sql/health/previous_levels.sql
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
      pg_catalog.now() - health.window_length(p_window), health.window_length(p_window), p_workspace_id) as r
$$;
comment on function health.previous_levels(text, uuid) is
  'Levels of the windowed dimensions over the previous window of equal length (as of now() minus the length).';
grant execute on function health.previous_levels(text, uuid) to tp_system_operator, tp_dba_reader;

-- source: sql/health/workspace_summary.sql
-- One row per active workspace (or the one given): overall level (worst by precedence), the
-- dominant drivers (dimensions at the overall level, in dimension order; none when ok), the top
-- driver's reason, the single next link, and each dimension's level. The dashboard row, the KPIs,
-- the cards and the DBA view are all this function.
create or replace function health.workspace_summary(p_window text, p_workspace_id uuid default null)
  returns table (
    workspace_id uuid, workspace_name text, overall_level health.level, non_ok_count int,
    top_dimension text, top_reason_code text, top_reason text, drivers text[], next_link text,
    window_start timestamptz, window_end timestamptz,
    onboarding_readiness health.level, provider_connection_health health.level,
    operational_stability health.level, governance_pressure health.level,
    review_pack_readiness health.level, engagement_freshness health.level
  )
  language sql stable parallel safe
as $$
  with e as materialized (
    select * from health.evaluate(p_window, p_workspace_id)
  ),
  overall as (
    select e.workspace_id, health.worst(e.level) as level from e group by e.workspace_id
  ),
  ranked as (
    select e.*, o.level as overall_level,
           e.level = o.level and o.level <> 'ok' as is_driver
      from e join overall as o on o.workspace_id = e.workspace_id
  )
  select r.workspace_id, r.workspace_name, r.overall_level,
         (count(*) filter (where r.level <> 'ok'))::int,
         (pg_catalog.array_agg(r.dimension order by r.display_order) filter (where r.is_driver))[1],
         (pg_catalog.array_agg(r.reason_code order by r.display_order) filter (where r.is_driver))[1],
         (pg_catalog.array_agg(r.reason order by r.display_order) filter (where r.is_driver))[1],
         coalesce(pg_catalog.array_agg(r.label order by r.display_order) filter (where r.is_driver), '{}'),
         case
           when (pg_catalog.array_agg(r.attributed_tenant_id order by r.display_order) filter (where r.is_driver))[1] is not null
             then pg_catalog.format('/system/tenants/%s?window=%s',
                    (pg_catalog.array_agg(r.attributed_tenant_id order by r.display_order) filter (where r.is_driver))[1], p_window)
           else pg_catalog.format('/system/workspaces/%s?window=%s', r.workspace_id, p_window)
         end,
         pg_catalog.now() - health.window_length(p_window),
         pg_catalog.now(),
         (pg_catalog.array_agg(r.level) filter (where r.dimension = 'onboarding_readiness'))[1],
         (pg_catalog.array_agg(r.level) filter (where r.dimension = 'provider_connection_health'))[1],
         (pg_catalog.array_agg(r.level) filter (where r.dimension = 'operational_stability'))[1],
         (pg_catalog.array_agg(r.level) filter (where r.dimension = 'governance_pressure'))[1],
         (pg_catalog.array_agg(r.level) filter (where r.dimension = 'review_pack_readiness'))[1],
         (pg_catalog.array_agg(r.level) filter (where r.dimension = 'engagement_freshness'))[1]
    from ranked as r
   group by r.workspace_id, r.workspace_name, r.overall_level
$$;
comment on function health.workspace_summary(text, uuid) is
  'Overall health, drivers, top reason and next link of every active workspace (or the one given) for the window.';
grant execute on function health.workspace_summary(text, uuid) to tp_system_operator, tp_dba_reader;

-- source: sql/health/workspace_dimension_health_view.sql
-- DBA view (SPEC §4.3): one row per active workspace × dimension, for the window in setting
-- tenantpulse.health_window (default last_24_hours). Runs with the reader's rights.
-- Read through a function that turns JIT off: these plans are big but cheap to run.
create or replace function health.configured_evaluation()
  returns table (workspace_id uuid, dimension text, level health.level, reason_code text, reason text, evidence jsonb)
  language sql stable parallel safe
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

-- source: sql/health/workspace_health_view.sql
-- DBA view (SPEC §4.3): one row per active workspace with each dimension's level, for the window
-- in setting tenantpulse.health_window (default last_24_hours). Runs with the reader's rights.
-- Read through a function that turns JIT off: these plans are big but cheap to run.
create or replace function health.configured_summary()
  returns table (
    workspace_id uuid, workspace_name text,
    onboarding_readiness health.level, provider_connection_health health.level,
    operational_stability health.level, governance_pressure health.level,
    review_pack_readiness health.level, engagement_freshness health.level,
    overall_level health.level, non_ok_count int, top_reason text
  )
  language sql stable parallel safe
  set jit = off
  set plan_cache_mode = force_custom_plan
as $$
  select s.workspace_id, s.workspace_name,
         s.onboarding_readiness, s.provider_connection_health, s.operational_stability,
         s.governance_pressure, s.review_pack_readiness, s.engagement_freshness,
         s.overall_level, s.non_ok_count, s.top_reason
    from health.workspace_summary(health.configured_window()) as s
   order by s.workspace_name, s.workspace_id
$$;
comment on function health.configured_summary() is
  'health.workspace_summary for the window in setting tenantpulse.health_window (the DBA view health.workspace_health).';
grant execute on function health.configured_summary() to tp_dba_reader;

create or replace view health.workspace_health with (security_invoker = true) as
  select s.workspace_id, s.workspace_name,
         s.onboarding_readiness, s.provider_connection_health, s.operational_stability,
         s.governance_pressure, s.review_pack_readiness, s.engagement_freshness,
         s.overall_level, s.non_ok_count, s.top_reason
    from health.configured_summary() as s;
comment on view health.workspace_health is
  'Overall health of every active workspace, for the window in setting tenantpulse.health_window (default last_24_hours). Derived on read.';
comment on column health.workspace_health.workspace_id is 'The workspace (active ones only).';
comment on column health.workspace_health.workspace_name is 'Its name.';
comment on column health.workspace_health.onboarding_readiness is 'Onboarding readiness (point in time): worst latest-session verdict over active tenants.';
comment on column health.workspace_health.provider_connection_health is 'Provider connection health (point in time): worst connection verdict over active tenants.';
comment on column health.workspace_health.operational_stability is 'Operational stability (window): stuck and failed runs created in the window.';
comment on column health.workspace_health.governance_pressure is 'Governance pressure (point in time): open, overdue and exception-expiring findings over active tenants.';
comment on column health.workspace_health.review_pack_readiness is 'Review-pack readiness (window): the latest pack created in the window, given request context.';
comment on column health.workspace_health.engagement_freshness is 'Engagement freshness (window): telemetry events in the window, else within retention.';
comment on column health.workspace_health.overall_level is 'Worst dimension level by precedence critical > warn > unknown > ok.';
comment on column health.workspace_health.non_ok_count is 'How many of the six dimensions are not ok.';
comment on column health.workspace_health.top_reason is 'Reason of the top driver (first dimension at the overall level); null when ok.';
grant select on health.workspace_health to tp_dba_reader;

-- source: sql/system_api/health_kpis.sql
-- Health KPIs for the console (SPEC §4.3): one row, counts of active workspaces per overall level.
create or replace function system_api.health_kpis("window" system_api.console_window)
  returns system_api.health_kpi_summary
  language sql stable strict parallel safe
  -- Big plans that are cheap to run: JIT would cost more than it saves; and a generic plan
  -- (reused after 5 calls) cannot prune by workspace or window, so plan each call.
  set jit = off
  set plan_cache_mode = force_custom_plan
as $$
  select pg_catalog.now() - health.window_length("window"::text), pg_catalog.now(),
         count(s.workspace_id)::int,
         (count(*) filter (where s.overall_level = 'ok'))::int,
         (count(*) filter (where s.overall_level = 'warn'))::int,
         (count(*) filter (where s.overall_level = 'critical'))::int,
         (count(*) filter (where s.overall_level = 'unknown'))::int
    from health.workspace_summary("window"::text) as s
$$;
comment on function system_api.health_kpis(system_api.console_window) is
  'Health KPIs of the active workspaces for the window: how many are ok, warn, critical and unknown.';
grant execute on function system_api.health_kpis(system_api.console_window) to tp_system_operator;

-- source: sql/system_api/attention_workspaces.sql
-- The attention list (SPEC §4.3): workspaces whose overall level is not ok, ordered by overall
-- severity desc, number of non-ok dimensions desc, name asc, id asc; at most max_rows (default 10).
create or replace function system_api.attention_workspaces("window" system_api.console_window, max_rows int default 10)
  returns setof system_api.attention_workspace
  language sql stable strict parallel safe
  -- Big plans that are cheap to run: JIT would cost more than it saves; and a generic plan
  -- (reused after 5 calls) cannot prune by workspace or window, so plan each call.
  set jit = off
  set plan_cache_mode = force_custom_plan
as $$
  select s.workspace_id, s.workspace_name, s.overall_level, s.non_ok_count, s.top_dimension,
         s.top_reason_code, s.top_reason, s.drivers, s.next_link
    from health.workspace_summary("window"::text) as s
   where s.overall_level <> 'ok'
   order by health.severity(s.overall_level) desc, s.non_ok_count desc, s.workspace_name asc, s.workspace_id asc
   limit greatest(max_rows, 0)
$$;
comment on function system_api.attention_workspaces(system_api.console_window, int) is
  'Workspaces needing attention for the window (overall level not ok), worst first, with their drivers and the one next link.';
grant execute on function system_api.attention_workspaces(system_api.console_window, int) to tp_system_operator;

-- source: sql/system_api/workspace_health.sql
-- A workspace's health card (SPEC §4.3): the same row as the dashboard's, plus the window and the
-- previous overall level (worst of the windowed dimensions' previous levels and the current
-- point-in-time levels). No row (null) for an archived or unknown workspace.
create or replace function system_api.workspace_health(workspace_id uuid, "window" system_api.console_window)
  returns system_api.workspace_health_card
  language sql stable strict parallel safe
  -- Big plans that are cheap to run: JIT would cost more than it saves; and a generic plan
  -- (reused after 5 calls) cannot prune by workspace or window, so plan each call.
  set jit = off
  set plan_cache_mode = force_custom_plan
as $$
  select s.workspace_id, s.workspace_name, s.overall_level, s.non_ok_count, s.top_dimension,
         s.top_reason_code, s.top_reason, s.drivers, s.window_start, s.window_end, s.next_link,
         (select health.worst(l.level)
            from (select p.previous_level as level
                    from health.previous_levels("window"::text, workspace_health.workspace_id) as p
                  union all
                  select unnest(array[s.onboarding_readiness, s.provider_connection_health, s.governance_pressure])) as l)
    from health.workspace_summary("window"::text, workspace_health.workspace_id) as s
$$;
comment on function system_api.workspace_health(uuid, system_api.console_window) is
  'The health card of one active workspace for the window (null when archived or unknown); agrees with its attention row.';
grant execute on function system_api.workspace_health(uuid, system_api.console_window) to tp_system_operator;

-- source: sql/system_api/workspace_health_dimensions.sql
-- The six dimensions of a workspace's card (SPEC §4.3), in dimension order, with the previous
-- level of the windowed ones (null for point-in-time ones). No rows for an archived or unknown
-- workspace.
create or replace function system_api.workspace_health_dimensions(workspace_id uuid, "window" system_api.console_window)
  returns setof system_api.workspace_health_dimension
  language sql stable strict parallel safe
  -- Big plans that are cheap to run: JIT would cost more than it saves; and a generic plan
  -- (reused after 5 calls) cannot prune by workspace or window, so plan each call.
  set jit = off
  set plan_cache_mode = force_custom_plan
as $$
  select e.dimension, e.label, e.basis, e.level, e.reason_code, e.reason, e.evidence, p.previous_level
    from health.evaluate("window"::text, workspace_health_dimensions.workspace_id) as e
    left join health.previous_levels("window"::text, workspace_health_dimensions.workspace_id) as p
      on p.workspace_id = e.workspace_id and p.dimension = e.dimension
   order by e.display_order
$$;
comment on function system_api.workspace_health_dimensions(uuid, system_api.console_window) is
  'The six health dimensions of one active workspace for the window, with reason, evidence and (windowed ones) the previous level.';
grant execute on function system_api.workspace_health_dimensions(uuid, system_api.console_window) to tp_system_operator;

-- source: sql/system_api/tenant_health.sql
-- A tenant's health card (SPEC §4.3): its workspace's card plus the tenant, same drivers and link
-- as the dashboard. No row (null) for an archived or unknown tenant or an archived workspace.
create or replace function system_api.tenant_health(tenant_id uuid, "window" system_api.console_window)
  returns system_api.tenant_health_card
  language sql stable strict parallel safe
  -- Big plans that are cheap to run: JIT would cost more than it saves; and a generic plan
  -- (reused after 5 calls) cannot prune by workspace or window, so plan each call.
  set jit = off
  set plan_cache_mode = force_custom_plan
as $$
  select t.id, t.name, c.workspace_id, c.workspace_name, c.overall_level, c.non_ok_count,
         c.top_dimension, c.top_reason_code, c.top_reason, c.drivers, c.window_start, c.window_end,
         c.next_link, c.previous_overall_level
    from platform.tenants as t
    cross join lateral system_api.workspace_health(t.workspace_id, "window") as c
   where t.id = tenant_health.tenant_id
     and t.archived_at is null
     and c.workspace_id is not null
$$;
comment on function system_api.tenant_health(uuid, system_api.console_window) is
  'The health card of a tenant''s workspace for the window, naming the tenant (null when archived or unknown).';
grant execute on function system_api.tenant_health(uuid, system_api.console_window) to tp_system_operator;

-- source: migrations/draft/end_as_owner.sql
reset role;
