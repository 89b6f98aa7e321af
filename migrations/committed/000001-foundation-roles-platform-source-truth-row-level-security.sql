--! Previous: -
--! Hash: sha1:86eca6c9939de37538324669377712f9367abd9e
--! Message: foundation: roles, platform source truth, row-level security

-- source: migrations/draft/roles.sql
-- Cluster roles of SPEC §1. Roles are cluster-wide while migrations run per database, and tests
-- migrate several databases of one cluster at once: create each role only when missing and treat
-- a concurrent creator's win as success. Needs superuser or CREATEROLE; nothing else in the
-- migrations does.
do $roles$
declare
  v_role text;
begin
  foreach v_role in array array['tp_owner', 'tp_admin_plane', 'tp_system_operator', 'tp_dba_reader', 'tp_worker'] loop
    if not exists (select from pg_catalog.pg_roles where rolname = v_role) then
      begin
        execute format('create role %I nologin nosuperuser nocreatedb nocreaterole nobypassrls noinherit', v_role);
      exception when duplicate_object or unique_violation then
        null; -- created by a concurrent migration of another database
      end;
    end if;
  end loop;

  if not exists (select from pg_catalog.pg_roles where rolname = 'tp_authenticator') then
    begin
      -- The GraphQL server's login. NOINHERIT: it holds no privilege of its own and must switch
      -- role (per request, to tp_system_operator) to read anything. The deployer sets its password.
      create role tp_authenticator login noinherit nosuperuser nocreatedb nocreaterole nobypassrls;
    exception when duplicate_object or unique_violation then
      null;
    end;
  end if;
end
$roles$;

-- Whoever runs the migrations becomes a member of tp_owner so that it can create objects as it
-- (a CREATEROLE user holds ADMIN on the roles it created and may grant this to itself).
do $membership$
begin
  if not pg_catalog.pg_has_role(current_user, 'tp_owner', 'member') then
    execute format('grant tp_owner to %I', current_user);
  end if;
  if not pg_catalog.pg_has_role('tp_authenticator', 'tp_system_operator', 'member') then
    grant tp_system_operator to tp_authenticator;
  end if;
exception when duplicate_object or unique_violation then
  null;
end
$membership$;

-- tp_owner creates our schemas in this database; nothing else is granted on the database.
do $database$
begin
  execute format('grant create on database %I to tp_owner', current_database());
  execute format('revoke create, temporary on database %I from public', current_database());
end
$database$;

-- Lock the defaults before creating anything.
revoke all on schema public from public;
alter default privileges for role tp_owner revoke execute on functions from public;
alter default privileges for role tp_owner revoke usage on types from public;

-- source: migrations/draft/platform_tables.sql
-- Source truth of SPEC §2, created as tp_owner. Every tenant-owned table carries workspace_id and
-- leads its keys with it: consistency is declared by composite foreign keys, and the schema can be
-- distributed by workspace_id (Citus) without change. users is a reference table.
set local role tp_owner;

create schema platform;
comment on schema platform is 'Source truth written by domain code: workspaces, tenants and what happens in them.';

create table platform.workspaces (
  id uuid primary key default gen_random_uuid(),
  name text not null check (btrim(name) <> ''),
  created_at timestamptz not null default now(),
  archived_at timestamptz
);
comment on table platform.workspaces is 'A customer workspace; it owns tenants. Archived workspaces count nowhere.';
comment on column platform.workspaces.id is 'Workspace id.';
comment on column platform.workspaces.name is 'Display name.';
comment on column platform.workspaces.created_at is 'When the workspace was created.';
comment on column platform.workspaces.archived_at is 'When the workspace was archived; null while active.';
create index workspaces_active_idx on platform.workspaces (id) where archived_at is null;

create table platform.tenants (
  workspace_id uuid not null references platform.workspaces (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  name text check (btrim(name) <> ''),
  created_at timestamptz not null default now(),
  archived_at timestamptz,
  primary key (workspace_id, id)
);
comment on table platform.tenants is 'A tenant (e.g. a Microsoft 365 tenant) of a workspace. Archived tenants contribute nothing.';
comment on column platform.tenants.workspace_id is 'Owning workspace.';
comment on column platform.tenants.id is 'Tenant id (unique in practice; keys lead with workspace_id).';
comment on column platform.tenants.name is 'Display name.';
comment on column platform.tenants.created_at is 'When the tenant was added.';
comment on column platform.tenants.archived_at is 'When the tenant was archived; null while active.';
create index tenants_id_idx on platform.tenants (id);

create table platform.users (
  id uuid primary key default gen_random_uuid(),
  display_name text check (btrim(display_name) <> ''),
  created_at timestamptz not null default now()
);
comment on table platform.users is 'People who act on the platform (a reference table, not tenant-owned).';
comment on column platform.users.id is 'User id.';
comment on column platform.users.display_name is 'Display name.';
comment on column platform.users.created_at is 'When the user was created.';

create table platform.onboarding_sessions (
  workspace_id uuid not null references platform.workspaces (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  tenant_id uuid,
  status text not null default 'in_progress'
    check (status in ('in_progress', 'completed', 'blocked', 'abandoned')),
  started_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  completed_at timestamptz,
  primary key (workspace_id, id),
  foreign key (workspace_id, tenant_id) references platform.tenants (workspace_id, id) on delete cascade
);
comment on table platform.onboarding_sessions is 'An onboarding attempt; tenant_id is null before a tenant is bound.';
comment on column platform.onboarding_sessions.workspace_id is 'Owning workspace.';
comment on column platform.onboarding_sessions.id is 'Session id.';
comment on column platform.onboarding_sessions.tenant_id is 'Tenant being onboarded; null = pre-tenant.';
comment on column platform.onboarding_sessions.status is 'in_progress, completed, blocked or abandoned.';
comment on column platform.onboarding_sessions.started_at is 'When the session started (the latest session per tenant decides readiness).';
comment on column platform.onboarding_sessions.updated_at is 'Last progress on the session.';
comment on column platform.onboarding_sessions.completed_at is 'When the session completed.';
create index onboarding_sessions_id_idx on platform.onboarding_sessions (id);
create index onboarding_sessions_tenant_idx on platform.onboarding_sessions (workspace_id, tenant_id, started_at desc);

create table platform.onboarding_checkpoints (
  workspace_id uuid not null,
  session_id uuid not null,
  checkpoint text not null
    check (checkpoint in ('tenant_bound', 'consent_granted', 'permissions_verified', 'initial_sync_completed', 'baseline_captured')),
  completed_by uuid references platform.users (id) on delete set null,
  completed_at timestamptz not null default now(),
  primary key (workspace_id, session_id, checkpoint),
  foreign key (workspace_id, session_id) references platform.onboarding_sessions (workspace_id, id) on delete cascade
);
comment on table platform.onboarding_checkpoints is 'A checkpoint reached by an onboarding session; one row per (session, checkpoint).';
comment on column platform.onboarding_checkpoints.workspace_id is 'Owning workspace; filled from the session when the writer omits it.';
comment on column platform.onboarding_checkpoints.session_id is 'The onboarding session.';
comment on column platform.onboarding_checkpoints.checkpoint is 'tenant_bound, consent_granted, permissions_verified, initial_sync_completed or baseline_captured.';
comment on column platform.onboarding_checkpoints.completed_by is 'The user who completed it; null = the system.';
comment on column platform.onboarding_checkpoints.completed_at is 'When it was completed.';
create index onboarding_checkpoints_completed_by_idx on platform.onboarding_checkpoints (completed_by);

create table platform.provider_connections (
  workspace_id uuid not null references platform.workspaces (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  tenant_id uuid not null,
  provider text not null check (btrim(provider) <> ''),
  consent_status text not null default 'pending' check (consent_status in ('granted', 'pending', 'revoked')),
  verification_status text not null default 'unverified' check (verification_status in ('verified', 'unverified', 'failed')),
  last_verified_at timestamptz,
  primary key (workspace_id, id),
  foreign key (workspace_id, tenant_id) references platform.tenants (workspace_id, id) on delete cascade
);
comment on table platform.provider_connections is 'A tenant''s connection to an identity/cloud provider.';
comment on column platform.provider_connections.workspace_id is 'Owning workspace.';
comment on column platform.provider_connections.id is 'Connection id.';
comment on column platform.provider_connections.tenant_id is 'The connected tenant.';
comment on column platform.provider_connections.provider is 'Provider key, e.g. microsoft.';
comment on column platform.provider_connections.consent_status is 'granted, pending or revoked.';
comment on column platform.provider_connections.verification_status is 'verified, unverified or failed.';
comment on column platform.provider_connections.last_verified_at is 'Last successful verification; null = never.';
create index provider_connections_tenant_idx on platform.provider_connections (workspace_id, tenant_id);

create table platform.operation_runs (
  workspace_id uuid not null references platform.workspaces (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  tenant_id uuid,
  operation_type text not null
    check (operation_type ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$' and length(operation_type) <= 64),
  initiator_id uuid references platform.users (id) on delete set null,
  status text not null default 'queued' check (status in ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  last_heartbeat_at timestamptz,
  primary key (workspace_id, id),
  foreign key (workspace_id, tenant_id) references platform.tenants (workspace_id, id) on delete cascade
);
comment on table platform.operation_runs is 'A run of a platform operation (sync, scan, ...); tenant_id null = tenantless.';
comment on column platform.operation_runs.workspace_id is 'Owning workspace.';
comment on column platform.operation_runs.id is 'Run id.';
comment on column platform.operation_runs.tenant_id is 'Tenant the run works on; null = tenantless.';
comment on column platform.operation_runs.operation_type is 'Operation identifier, e.g. inventory.sync (lowercase dotted identifier, at most 64 characters).';
comment on column platform.operation_runs.initiator_id is 'User who started it; null = system-initiated.';
comment on column platform.operation_runs.status is 'queued, running, succeeded, failed or cancelled.';
comment on column platform.operation_runs.created_at is 'When the run was created (windows filter on it).';
comment on column platform.operation_runs.started_at is 'When it started running.';
comment on column platform.operation_runs.finished_at is 'When it finished.';
comment on column platform.operation_runs.last_heartbeat_at is 'Last heartbeat of a running run.';
create index operation_runs_created_idx on platform.operation_runs (workspace_id, created_at);
create index operation_runs_tenant_idx on platform.operation_runs (workspace_id, tenant_id);
create index operation_runs_initiator_idx on platform.operation_runs (initiator_id);

create table platform.findings (
  workspace_id uuid not null references platform.workspaces (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  tenant_id uuid not null,
  severity text not null check (severity in ('low', 'medium', 'high', 'critical')),
  status text not null default 'open' check (status in ('open', 'resolved', 'risk_accepted')),
  due_at timestamptz,
  exception_expires_at timestamptz,
  first_seen_at timestamptz not null default now(),
  resolved_at timestamptz,
  primary key (workspace_id, id),
  foreign key (workspace_id, tenant_id) references platform.tenants (workspace_id, id) on delete cascade
);
comment on table platform.findings is 'A governance finding about a tenant (resolved ones included).';
comment on column platform.findings.workspace_id is 'Owning workspace.';
comment on column platform.findings.id is 'Finding id.';
comment on column platform.findings.tenant_id is 'The tenant concerned.';
comment on column platform.findings.severity is 'low, medium, high or critical.';
comment on column platform.findings.status is 'open, resolved or risk_accepted.';
comment on column platform.findings.due_at is 'When it should be resolved by.';
comment on column platform.findings.exception_expires_at is 'For risk_accepted: when the accepted exception expires (null = never).';
comment on column platform.findings.first_seen_at is 'When it was first seen.';
comment on column platform.findings.resolved_at is 'When it was resolved.';
create index findings_tenant_idx on platform.findings (workspace_id, tenant_id);

create table platform.review_packs (
  workspace_id uuid not null references platform.workspaces (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  tenant_id uuid,
  status text not null default 'queued' check (status in ('queued', 'generating', 'ready', 'failed')),
  requested_by uuid references platform.users (id) on delete set null,
  created_at timestamptz not null default now(),
  ready_at timestamptz,
  expires_at timestamptz,
  primary key (workspace_id, id),
  foreign key (workspace_id, tenant_id) references platform.tenants (workspace_id, id) on delete cascade
);
comment on table platform.review_packs is 'A generated review pack; tenant_id null = workspace-wide.';
comment on column platform.review_packs.workspace_id is 'Owning workspace.';
comment on column platform.review_packs.id is 'Pack id.';
comment on column platform.review_packs.tenant_id is 'Tenant covered; null = workspace-wide.';
comment on column platform.review_packs.status is 'queued, generating, ready or failed.';
comment on column platform.review_packs.requested_by is 'User who requested it; null = scheduled.';
comment on column platform.review_packs.created_at is 'When it was requested (windows filter on it).';
comment on column platform.review_packs.ready_at is 'When it became ready.';
comment on column platform.review_packs.expires_at is 'When a ready pack expires; null = never.';
create index review_packs_created_idx on platform.review_packs (workspace_id, created_at);
create index review_packs_tenant_idx on platform.review_packs (workspace_id, tenant_id);
create index review_packs_requested_by_idx on platform.review_packs (requested_by);

create table platform.stored_reports (
  workspace_id uuid not null references platform.workspaces (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  tenant_id uuid not null,
  report_type text not null check (report_type in ('entra_admin_roles', 'permission_posture')),
  created_by uuid references platform.users (id) on delete set null,
  created_at timestamptz not null default now(),
  primary key (workspace_id, id),
  foreign key (workspace_id, tenant_id) references platform.tenants (workspace_id, id) on delete cascade
);
comment on table platform.stored_reports is 'A report stored for a tenant.';
comment on column platform.stored_reports.workspace_id is 'Owning workspace.';
comment on column platform.stored_reports.id is 'Report id.';
comment on column platform.stored_reports.tenant_id is 'The tenant reported on.';
comment on column platform.stored_reports.report_type is 'entra_admin_roles or permission_posture.';
comment on column platform.stored_reports.created_by is 'User who created it; null = the system.';
comment on column platform.stored_reports.created_at is 'When it was created.';
create index stored_reports_tenant_idx on platform.stored_reports (workspace_id, tenant_id, report_type);
create index stored_reports_created_by_idx on platform.stored_reports (created_by);

-- source: sql/platform/current_workspace_id.sql
-- The admin plane's tenant context: the workspace named by the transaction-local setting
-- tenantpulse.workspace_id, or null when unset. Every policy reads it through this one accessor
-- (as `(select platform.current_workspace_id())`, so it is evaluated once per statement).
create or replace function platform.current_workspace_id() returns uuid
  language sql stable parallel safe
  set search_path = pg_catalog, pg_temp
as $$
  select nullif(pg_catalog.current_setting('tenantpulse.workspace_id', true), '')::uuid
$$;
comment on function platform.current_workspace_id() is
  'The workspace of the admin-plane context (setting tenantpulse.workspace_id), or null when unset.';
grant execute on function platform.current_workspace_id() to tp_admin_plane, tp_system_operator, tp_dba_reader, tp_worker;

-- source: sql/platform/onboarding_checkpoint_workspace.sql
-- onboarding_checkpoints.workspace_id may be omitted by the writer: take it from the session.
-- Runs with the writer's rights, so an admin can only find sessions of its own workspace.
create or replace function platform.fill_checkpoint_workspace() returns trigger
  language plpgsql
  set search_path = pg_catalog, pg_temp
as $$
begin
  if new.workspace_id is null then
    select s.workspace_id into new.workspace_id
      from platform.onboarding_sessions as s
     where s.id = new.session_id;
    if new.workspace_id is null then
      raise exception using
        errcode = '23503',
        message = 'onboarding checkpoint refers to an unknown onboarding session',
        detail = format('session_id %s does not exist (or is not visible to the writer)', new.session_id);
    end if;
  end if;
  return new;
end
$$;
comment on function platform.fill_checkpoint_workspace() is
  'Trigger: fills onboarding_checkpoints.workspace_id from its session when the writer omits it.';

create or replace trigger fill_workspace
  before insert on platform.onboarding_checkpoints
  for each row execute function platform.fill_checkpoint_workspace();

-- source: migrations/draft/platform_security.sql
-- Row-level security and grants for platform (SPEC §1): RLS enabled and forced everywhere.
--   admin plane     reads and writes the rows of the workspace in its context; none without one
--   system operator reads every row, writes none
--   owner           everything (it owns the tables; forced RLS needs an explicit policy for the
--                   security-definer recorder and the capture triggers)
-- The DBA reader and the worker get nothing here.
grant usage on schema platform to tp_admin_plane, tp_system_operator;

-- workspaces: the admin sees and renames its own workspace; creating or deleting workspaces is
-- the provisioning service's job (it connects as the owner).
alter table platform.workspaces enable row level security;
alter table platform.workspaces force row level security;
create policy owner_manages_workspaces on platform.workspaces
  for all to tp_owner using (true) with check (true);
create policy admin_reads_own_workspace on platform.workspaces
  for select to tp_admin_plane using (id = (select platform.current_workspace_id()));
create policy admin_updates_own_workspace on platform.workspaces
  for update to tp_admin_plane
  using (id = (select platform.current_workspace_id()))
  with check (id = (select platform.current_workspace_id()));
create policy operator_reads_workspaces on platform.workspaces
  for select to tp_system_operator using (true);
grant select, update (name) on platform.workspaces to tp_admin_plane;
grant select on platform.workspaces to tp_system_operator;

-- users: global identities, written by the platform's identity service (the owner); foreign keys
-- to them are checked whatever the writer may read.
alter table platform.users enable row level security;
alter table platform.users force row level security;
create policy owner_manages_users on platform.users
  for all to tp_owner using (true) with check (true);
create policy operator_reads_users on platform.users
  for select to tp_system_operator using (true);
grant select on platform.users to tp_system_operator;

-- Every tenant-owned table follows one rule, so it is written once.
do $tenant_owned$
declare
  v_table text;
begin
  foreach v_table in array array[
    'tenants', 'onboarding_sessions', 'onboarding_checkpoints', 'provider_connections',
    'operation_runs', 'findings', 'review_packs', 'stored_reports'
  ] loop
    execute format('alter table platform.%I enable row level security', v_table);
    execute format('alter table platform.%I force row level security', v_table);
    execute format(
      'create policy owner_manages_%1$s on platform.%1$I for all to tp_owner using (true) with check (true)',
      v_table);
    execute format(
      'create policy admin_manages_own_workspace_%1$s on platform.%1$I for all to tp_admin_plane '
      'using (workspace_id = (select platform.current_workspace_id())) '
      'with check (workspace_id = (select platform.current_workspace_id()))',
      v_table);
    execute format(
      'create policy operator_reads_%1$s on platform.%1$I for select to tp_system_operator using (true)',
      v_table);
    execute format('grant select, insert, update, delete on platform.%I to tp_admin_plane', v_table);
    execute format('grant select on platform.%I to tp_system_operator', v_table);
  end loop;
end
$tenant_owned$;

reset role;
