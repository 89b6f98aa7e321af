// Capture at the source seams (SPEC §3.4): a milestone is recorded in the source write's own
// transaction, at its now(); rule-based skips record nothing and never fail the write.
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { as, useTestDatabase } from '../../helpers/database.ts';
import { createWorld, ledgerRows, type World } from './fixtures.ts';

const db = useTestDatabase();

/** Runs the source write as the admin plane, then reads the workspace's ledger in the same transaction. */
async function writeAndRead(world: World, write: (client: pg.PoolClient) => Promise<unknown>, { commit = false } = {}) {
  return as(db.pool, { role: 'tp_admin_plane', workspaceId: world.workspaceId }, async (client) => {
    await write(client);
    await client.query(`select set_config('role', 'tp_owner', true)`);
    const { rows } = await client.query(
      `select event_name, tenant_id, actor_id, subject_type, subject_id, metadata, occurred_at = now() as at_now
         from telemetry.product_usage_events where workspace_id = $1 order by recorded_at`, [world.workspaceId]);
    return rows;
  }, { commit });
}

async function session(world: World, tenantId: string | null): Promise<string> {
  const { rows } = await db.pool.query<{ id: string }>(
    'insert into platform.onboarding_sessions (workspace_id, tenant_id) values ($1, $2) returning id', [world.workspaceId, tenantId]);
  return rows[0]!.id;
}

describe('onboarding checkpoint seam', () => {
  it('records a checkpoint a user completes for a tenant-bound session', async () => {
    const w = await createWorld(db.pool);
    const s = await session(w, w.tenantId);
    const rows = await writeAndRead(w, (c) => c.query(
      `insert into platform.onboarding_checkpoints (session_id, checkpoint, completed_by) values ($1, 'consent_granted', $2)`, [s, w.userId]));
    expect(rows).toEqual([{ event_name: 'onboarding.checkpoint_completed', tenant_id: w.tenantId, actor_id: w.userId, subject_type: 'onboarding_session', subject_id: s, metadata: { checkpoint: 'consent_granted' }, at_now: true }]);
  });

  it('records nothing for a pre-tenant session or a checkpoint the system completed', async () => {
    const w = await createWorld(db.pool);
    const preTenant = await session(w, null);
    const bound = await session(w, w.tenantId);
    const rows = await writeAndRead(w, async (c) => {
      await c.query(`insert into platform.onboarding_checkpoints (session_id, checkpoint, completed_by) values ($1, 'tenant_bound', $2)`, [preTenant, w.userId]);
      await c.query(`insert into platform.onboarding_checkpoints (session_id, checkpoint, completed_by) values ($1, 'tenant_bound', null)`, [bound]);
      expect((await c.query('select count(*)::int as n from platform.onboarding_checkpoints')).rows[0].n).toBe(2);
    });
    expect(rows).toEqual([]);
  });
});

describe('operation run seam', () => {
  it('records a run a user starts for a tenant, with its operation_type', async () => {
    const w = await createWorld(db.pool);
    const rows = await writeAndRead(w, (c) => c.query(
      `insert into platform.operation_runs (workspace_id, tenant_id, operation_type, initiator_id) values ($1, $2, 'inventory.sync', $3)`, [w.workspaceId, w.tenantId, w.userId]));
    expect(rows).toEqual([expect.objectContaining({ event_name: 'operations.run_started', subject_type: 'operation_run', metadata: { operation_type: 'inventory.sync' }, at_now: true })]);
  });

  it('records nothing for a system-initiated or a tenantless run', async () => {
    const w = await createWorld(db.pool);
    const rows = await writeAndRead(w, async (c) => {
      await c.query(`insert into platform.operation_runs (workspace_id, tenant_id, operation_type, initiator_id) values ($1, $2, 'inventory.sync', null)`, [w.workspaceId, w.tenantId]);
      await c.query(`insert into platform.operation_runs (workspace_id, tenant_id, operation_type, initiator_id) values ($1, null, 'inventory.sync', $2)`, [w.workspaceId, w.userId]);
    });
    expect(rows).toEqual([]);
  });
});

describe('stored report seam', () => {
  it('records a report a user creates, with its report_type', async () => {
    const w = await createWorld(db.pool);
    const rows = await writeAndRead(w, (c) => c.query(
      `insert into platform.stored_reports (workspace_id, tenant_id, report_type, created_by) values ($1, $2, 'permission_posture', $3)`, [w.workspaceId, w.tenantId, w.userId]));
    expect(rows).toEqual([expect.objectContaining({ event_name: 'reports.stored_report_created', subject_type: 'stored_report', metadata: { report_type: 'permission_posture' }, actor_id: w.userId, at_now: true })]);
  });

  it('records nothing for a report the system creates', async () => {
    const w = await createWorld(db.pool);
    expect(await writeAndRead(w, (c) => c.query(
      `insert into platform.stored_reports (workspace_id, tenant_id, report_type, created_by) values ($1, $2, 'entra_admin_roles', null)`, [w.workspaceId, w.tenantId]))).toEqual([]);
  });
});

describe('review pack seam', () => {
  it('records a pack a user requests for a tenant', async () => {
    const w = await createWorld(db.pool);
    const rows = await writeAndRead(w, (c) => c.query(
      `insert into platform.review_packs (workspace_id, tenant_id, requested_by) values ($1, $2, $3)`, [w.workspaceId, w.tenantId, w.userId]));
    expect(rows).toEqual([expect.objectContaining({ event_name: 'review_packs.generation_requested', subject_type: 'review_pack', metadata: {}, at_now: true })]);
  });

  it('records nothing for a workspace-wide or a scheduled pack', async () => {
    const w = await createWorld(db.pool);
    expect(await writeAndRead(w, async (c) => {
      await c.query(`insert into platform.review_packs (workspace_id, tenant_id, requested_by) values ($1, null, $2)`, [w.workspaceId, w.userId]);
      await c.query(`insert into platform.review_packs (workspace_id, tenant_id, requested_by) values ($1, $2, null)`, [w.workspaceId, w.tenantId]);
    })).toEqual([]);
  });
});

describe('every seam', () => {
  it('records nothing for an archived tenant or workspace, and still commits the source write', async () => {
    const w = await createWorld(db.pool, { tenants: 2 });
    await db.pool.query('update platform.tenants set archived_at = now() where id = $1', [w.tenantIds[1]]);
    const writeAll = (tenantId: string) => async (c: pg.PoolClient) => {
      const s = (await c.query<{ id: string }>('insert into platform.onboarding_sessions (workspace_id, tenant_id) values ($1, $2) returning id', [w.workspaceId, tenantId])).rows[0]!.id;
      await c.query(`insert into platform.onboarding_checkpoints (session_id, checkpoint, completed_by) values ($1, 'tenant_bound', $2)`, [s, w.userId]);
      await c.query(`insert into platform.operation_runs (workspace_id, tenant_id, operation_type, initiator_id) values ($1, $2, 'inventory.sync', $3)`, [w.workspaceId, tenantId, w.userId]);
      await c.query(`insert into platform.stored_reports (workspace_id, tenant_id, report_type, created_by) values ($1, $2, 'permission_posture', $3)`, [w.workspaceId, tenantId, w.userId]);
      await c.query(`insert into platform.review_packs (workspace_id, tenant_id, requested_by) values ($1, $2, $3)`, [w.workspaceId, tenantId, w.userId]);
    };
    expect(await writeAndRead(w, writeAll(w.tenantIds[1]!), { commit: true })).toEqual([]);
    await db.pool.query('update platform.workspaces set archived_at = now() where id = $1', [w.workspaceId]);
    expect(await writeAndRead(w, writeAll(w.tenantIds[0]!), { commit: true })).toEqual([]);
    const { rows } = await db.pool.query(
      `select (select count(*) from platform.onboarding_checkpoints where workspace_id = $1)::int as checkpoints,
              (select count(*) from platform.operation_runs where workspace_id = $1)::int as runs,
              (select count(*) from platform.stored_reports where workspace_id = $1)::int as reports,
              (select count(*) from platform.review_packs where workspace_id = $1)::int as packs`, [w.workspaceId]);
    expect(rows[0]).toEqual({ checkpoints: 2, runs: 2, reports: 2, packs: 2 });
  });

  it('records in the source transaction: a rolled-back write leaves no event, a committed one leaves exactly one', async () => {
    const w = await createWorld(db.pool);
    const write = (c: pg.PoolClient) => c.query(`insert into platform.review_packs (workspace_id, tenant_id, requested_by) values ($1, $2, $3)`, [w.workspaceId, w.tenantId, w.userId]);
    expect(await writeAndRead(w, write)).toHaveLength(1); // visible inside, then rolled back
    expect(await ledgerRows(db.pool, w.workspaceId)).toEqual([]);
    await writeAndRead(w, write, { commit: true });
    expect(await ledgerRows(db.pool, w.workspaceId)).toHaveLength(1);
  });
});
