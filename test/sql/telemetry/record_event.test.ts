// The recorder (SPEC §3.3): every rejection with its SQLSTATE and a DETAIL naming the field or
// key, nothing written on rejection, and retry-safe de-duplication.
import { beforeAll, describe, expect, it } from 'vitest';
import { as, type Identity, rejectionWithin, useTestDatabase } from '../../helpers/database.ts';
import { waitFor } from '../../helpers/wait.ts';
import { createWorld, dedupKeyCount, ledgerCount, ledgerRows, pruneWithRetention, recordSql, withoutPartitionsOf, type World } from './fixtures.ts';

const db = useTestDatabase();
let world: World;
let other: World;
const admin = (): Identity => ({ role: 'tp_admin_plane', workspaceId: world.workspaceId });

beforeAll(async () => {
  world = await createWorld(db.pool);
  other = await createWorld(db.pool);
});

/** Runs a refused call inside a transaction that goes on and commits; proves nothing stayed. */
async function refused(sql: string, params: unknown[] = [world.workspaceId, world.tenantId, world.userId], identity: Identity = admin()) {
  const before = { ledger: await ledgerCount(db.pool), keys: await dedupKeyCount(db.pool) };
  const error = await as(
    db.pool,
    identity,
    (client) => rejectionWithin(client, sql, params),
    { commit: true },
  );
  expect({ ledger: await ledgerCount(db.pool), keys: await dedupKeyCount(db.pool) }).toEqual(before);
  return error;
}

async function record(sql: string, params: unknown[] = [world.workspaceId, world.tenantId, world.userId], identity: Identity = admin()): Promise<string> {
  return as(db.pool, identity, async (client) => (await client.query<{ id: string }>(sql, params)).rows[0]!.id, { commit: true });
}

describe('telemetry.record_event rejections', () => {
  it('TP001: rejects an event name outside the catalog', async () => {
    const error = await refused(recordSql({ event_name: `'billing.invoice_paid'` }));
    expect(error.code).toBe('TP001');
    expect(error.message).toBe('unknown telemetry event');
    expect(error.detail).toContain(`'billing.invoice_paid'`);
  });

  it.each(['workspace_id', 'tenant_id', 'actor_id'])('TP002: rejects a null %s', async (field) => {
    const param = { workspace_id: '$1', tenant_id: '$2', actor_id: '$3' }[field]!;
    const error = await refused(recordSql({ [field]: `nullif(${param}::uuid, ${param}::uuid)` }));
    expect(error.code).toBe('TP002');
    expect(error.detail).toBe(`${field} is null`);
  });

  it('TP003: rejects an unknown workspace', async () => {
    const missing = '00000000-0000-4000-8000-000000000001';
    const error = await refused(recordSql(), [missing, world.tenantId, world.userId], { role: 'tp_owner' });
    expect(error.code).toBe('TP003');
    expect(error.detail).toBe(`workspace_id ${missing} does not exist`);
  });

  it('TP003: rejects an unknown tenant, a tenant of another workspace, and an unknown actor', async () => {
    const missing = '00000000-0000-4000-8000-000000000002';
    const owner: Identity = { role: 'tp_owner' };
    const unknownTenant = await refused(recordSql(), [world.workspaceId, missing, world.userId], owner);
    expect([unknownTenant.code, unknownTenant.detail]).toEqual(['TP003', `tenant_id ${missing} does not exist`]);
    const foreignTenant = await refused(recordSql(), [world.workspaceId, other.tenantId, world.userId], owner);
    expect(foreignTenant.code).toBe('TP003');
    expect(foreignTenant.detail).toBe(`tenant_id ${other.tenantId} belongs to workspace ${other.workspaceId}, not workspace_id ${world.workspaceId}`);
    // The admin plane, which cannot see other workspaces, is told the same about both: not where,
    // nor whether, the tenant exists elsewhere.
    for (const tenant of [missing, other.tenantId]) {
      const error = await refused(recordSql(), [world.workspaceId, tenant, world.userId]);
      expect([error.code, error.message, error.detail])
        .toEqual(['TP003', 'the tenant is not in that workspace', `tenant_id ${tenant} is not a tenant of workspace_id ${world.workspaceId}`]);
    }
    const unknownActor = await refused(recordSql(), [world.workspaceId, world.tenantId, missing]);
    expect([unknownActor.code, unknownActor.detail]).toEqual(['TP003', `actor_id ${missing} does not exist`]);
  });

  it('TP003: rejects an archived workspace and an archived tenant', async () => {
    const archived = await createWorld(db.pool, { tenants: 2 });
    await db.pool.query('update platform.tenants set archived_at = now() where id = $1', [archived.tenantIds[1]]);
    const tenantError = await refused(recordSql(), [archived.workspaceId, archived.tenantIds[1], archived.userId], {
      role: 'tp_admin_plane', workspaceId: archived.workspaceId,
    });
    expect(tenantError.code).toBe('TP003');
    expect(tenantError.detail).toMatch(new RegExp(`^tenant_id ${archived.tenantIds[1]} was archived at `));
    await db.pool.query('update platform.workspaces set archived_at = now() where id = $1', [archived.workspaceId]);
    const workspaceError = await refused(recordSql(), [archived.workspaceId, archived.tenantIds[0], archived.userId], {
      role: 'tp_admin_plane', workspaceId: archived.workspaceId,
    });
    expect(workspaceError.code).toBe('TP003');
    expect(workspaceError.detail).toMatch(new RegExp(`^workspace_id ${archived.workspaceId} was archived at `));
  });

  const checkpointEvent = {
    event_name: `'onboarding.checkpoint_completed'`,
    subject_type: `'onboarding_session'`,
  };
  it.each([
    ['a JSON array', `'["checkpoint"]'`, 'metadata must be a JSON object, not array'],
    ['a nested object', `'{"checkpoint": {"x": "y"}}'`, 'key "checkpoint" must be a string, not object'],
    ['a number', `'{"checkpoint": 3}'`, 'key "checkpoint" must be a string, not number'],
    ['a key outside the allow-list', `'{"checkpoint": "tenant_bound", "note": "hi"}'`, 'key "note" is not allowed for onboarding.checkpoint_completed (allowed: checkpoint)'],
    ['a value outside the rule', `'{"checkpoint": "almost_done"}'`, 'key "checkpoint" must be one of tenant_bound, consent_granted, permissions_verified, initial_sync_completed, baseline_captured'],
    ['a missing required key', `'{}'`, 'key "checkpoint" is required for onboarding.checkpoint_completed'],
    ['null', 'null', 'metadata is null (use {} for none)'],
    ['more than 8 keys', `(select jsonb_object_agg('k' || i, 'v') from generate_series(1, 9) i)`, 'metadata has more than 8 keys'],
  ])('TP004: rejects metadata that is %s, naming the key and why', async (_, metadata, detail) => {
    const error = await refused(recordSql({ ...checkpointEvent, metadata }));
    expect(error.code).toBe('TP004');
    expect(error.message).toBe('metadata is not safe');
    expect(error.detail).toBe(detail);
  });

  it('TP004: rejects metadata over 1 KiB, an operation_type breaking the identifier rule, and any key on review packs', async () => {
    const big = await refused(recordSql({ event_name: `'operations.run_started'`, subject_type: `'operation_run'`, metadata: `jsonb_build_object('operation_type', repeat('a', 1100))` }));
    expect([big.code, big.detail]).toEqual(['TP004', 'metadata is 1122 bytes serialised, more than 1 KiB']);
    const badType = await refused(recordSql({ event_name: `'operations.run_started'`, subject_type: `'operation_run'`, metadata: `'{"operation_type": "Inventory Sync"}'` }));
    expect([badType.code, badType.detail]).toEqual(['TP004', 'key "operation_type" must match ^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*$']);
    const tooLong = await refused(recordSql({ event_name: `'operations.run_started'`, subject_type: `'operation_run'`, metadata: `jsonb_build_object('operation_type', repeat('a', 65))` }));
    expect([tooLong.code, tooLong.detail]).toEqual(['TP004', 'key "operation_type" is longer than 64 characters']);
    const packKey = await refused(recordSql({ metadata: `'{"surface": "tenant_dashboard"}'` }));
    expect([packKey.code, packKey.detail]).toEqual(['TP004', 'key "surface" is not allowed for review_packs.generation_requested (allowed: none)']);
  });

  it('TP005: rejects a null occurred_at, one more than 5 minutes ahead, and one older than the retention window', async () => {
    const none = await refused(recordSql({ occurred_at: 'null' }));
    expect([none.code, none.detail]).toEqual(['TP005', 'occurred_at is null']);
    const future = await refused(recordSql({ occurred_at: `now() + interval '5 minutes 1 second'` }));
    expect(future.code).toBe('TP005');
    expect(future.detail).toContain('more than 5 minutes after now()');
    const old = await refused(recordSql({ occurred_at: `now() - interval '90 days 1 second'` }));
    expect(old.code).toBe('TP005');
    expect(old.detail).toContain('is older than 90 days (retention_days)');
    // at both limits (now() is the transaction's: exactly 5 minutes ahead, exactly 90 days back)
    await record(recordSql({ occurred_at: `now() + interval '5 minutes'` }));
    await record(recordSql({ occurred_at: `now() - interval '90 days'` }));
  });

  it('TP005: follows telemetry.settings.retention_days', async () => {
    const { early, atLimit } = await as(db.pool, { role: 'tp_owner' }, async (c) => {
      await c.query('update telemetry.settings set retention_days = 30');
      await c.query('select set_config(\'role\', \'tp_admin_plane\', true), set_config(\'tenantpulse.workspace_id\', $1, true)', [world.workspaceId]);
      const params = [world.workspaceId, world.tenantId, world.userId];
      const early = await rejectionWithin(c, recordSql({ occurred_at: `now() - interval '30 days 1 second'` }), params);
      const atLimit = (await c.query(recordSql({ occurred_at: `now() - interval '30 days'` }), params)).rows[0].id;
      return { early, atLimit };
    });
    expect([early.code, early.detail]).toEqual(['TP005', expect.stringContaining('is older than 30 days (retention_days)')]);
    expect(atLimit).toEqual(expect.any(String));
  });

  it('TP006: rejects a null subject_id and a subject_type the event does not allow', async () => {
    const none = await refused(recordSql({ subject_id: 'null' }));
    expect([none.code, none.detail]).toEqual(['TP006', 'subject_id is null for review_packs.generation_requested']);
    const wrong = await refused(recordSql({ subject_type: `'tenant'` }));
    expect([wrong.code, wrong.detail]).toEqual(['TP006', `subject_type 'tenant' is not allowed for review_packs.generation_requested (allowed: review_pack)`]);
  });

  it('TP007: the admin plane needs its workspace context, naming the same workspace', async () => {
    const unset = await refused(recordSql(), undefined, { role: 'tp_admin_plane' });
    expect(unset.code).toBe('TP007');
    expect(unset.detail).toBe(`tenantpulse.workspace_id is not set; workspace_id is ${world.workspaceId}`);
    const elsewhere = await refused(recordSql(), undefined, { role: 'tp_admin_plane', workspaceId: other.workspaceId });
    expect(elsewhere.code).toBe('TP007');
    expect(elsewhere.detail).toBe(`workspace_id ${world.workspaceId} differs from tenantpulse.workspace_id ${other.workspaceId}`);
  });

  it('TP007: the context names a workspace as a uuid does, in any spelling; text that is no uuid names none', async () => {
    const spellings = [world.workspaceId.toUpperCase(), `{${world.workspaceId}}`, world.workspaceId.replaceAll('-', '')];
    for (const spelling of spellings) {
      await record(recordSql(), undefined, { role: 'tp_admin_plane', workspaceId: spelling });
    }
    const garbage = await refused(recordSql(), undefined, { role: 'tp_admin_plane', workspaceId: 'acme' });
    expect(garbage.code).toBe('TP007');
    expect(garbage.detail).toBe(`workspace_id ${world.workspaceId} differs from tenantpulse.workspace_id acme`);
  });

  it('TP007: another caller may omit the context, but a context it sets must match', async () => {
    const mismatch = await refused(recordSql(), undefined, { role: 'tp_owner', workspaceId: other.workspaceId });
    expect(mismatch.code).toBe('TP007');
    await record(recordSql(), undefined, { role: 'tp_owner' });
  });

  it('refuses roles without execute: the system operator, the DBA reader and the worker', async () => {
    for (const role of ['tp_system_operator', 'tp_dba_reader', 'tp_worker'] as const) {
      const error = await refused(recordSql(), undefined, { role, workspaceId: world.workspaceId });
      expect(error.code, role).toBe('42501');
    }
  });
});

describe('telemetry.record_event writes', () => {
  it('records a valid event and returns its id', async () => {
    const w = await createWorld(db.pool);
    const subject = '11111111-1111-4111-8111-111111111111';
    const id = await record(
      `select telemetry.record_event('support.diagnostics_opened', $1, $2, $3, 'tenant', $4, '{"surface":"tenant_dashboard"}') as id`,
      [w.workspaceId, w.tenantId, w.userId, subject],
      { role: 'tp_admin_plane', workspaceId: w.workspaceId },
    );
    expect(await ledgerRows(db.pool, w.workspaceId)).toEqual([
      expect.objectContaining({ id, event_name: 'support.diagnostics_opened', tenant_id: w.tenantId, actor_id: w.userId, subject_type: 'tenant', subject_id: subject, metadata: { surface: 'tenant_dashboard' } }),
    ]);
  });

  it('stores a retried milestone once and returns the first id, whatever actor, time or metadata the retry carries', async () => {
    const w = await createWorld(db.pool);
    const { rows: [second] } = await db.pool.query<{ id: string }>(`insert into platform.users (display_name) values ('Bo') returning id`);
    const identity: Identity = { role: 'tp_admin_plane', workspaceId: w.workspaceId };
    const session = '22222222-2222-4222-8222-222222222222';
    const sql = `select telemetry.record_event('onboarding.checkpoint_completed', $1, $2, $3, 'onboarding_session', $4, $5::jsonb, now() - $6::interval) as id`;
    const first = await record(sql, [w.workspaceId, w.tenantId, w.userId, session, '{"checkpoint":"consent_granted"}', '1 hour'], identity);
    const retry = await record(sql, [w.workspaceId, w.tenantId, second!.id, session, '{"checkpoint":"consent_granted"}', '1 minute'], identity);
    expect(retry).toBe(first);
    // another checkpoint of the same session is another milestone
    const next = await record(sql, [w.workspaceId, w.tenantId, w.userId, session, '{"checkpoint":"tenant_bound"}', '0'], identity);
    expect(next).not.toBe(first);
    const rows = await ledgerRows(db.pool, w.workspaceId);
    expect(rows.map((r) => r.id).sort()).toEqual([first, next].sort());
    expect(rows.find((r) => r.id === first)!.actor_id).toBe(w.userId);
  });

  it('de-duplicates per workspace, event and subject (the same subject id in another event is another milestone)', async () => {
    const w = await createWorld(db.pool);
    const identity: Identity = { role: 'tp_admin_plane', workspaceId: w.workspaceId };
    const subject = '33333333-3333-4333-8333-333333333333';
    const run = await record(`select telemetry.record_event('operations.run_started', $1, $2, $3, 'operation_run', $4, '{"operation_type":"inventory.sync"}') as id`, [w.workspaceId, w.tenantId, w.userId, subject], identity);
    const again = await record(`select telemetry.record_event('operations.run_started', $1, $2, $3, 'operation_run', $4, '{}') as id`, [w.workspaceId, w.tenantId, w.userId, subject], identity);
    const diag = await record(`select telemetry.record_event('support.diagnostics_opened', $1, $2, $3, 'operation_run', $4) as id`, [w.workspaceId, w.tenantId, w.userId, subject], identity);
    expect(again).toBe(run);
    expect(diag).not.toBe(run);
    expect(await ledgerRows(db.pool, w.workspaceId)).toHaveLength(2);
  });

  it('never de-duplicates support diagnostics opens: each open counts', async () => {
    const w = await createWorld(db.pool);
    const identity: Identity = { role: 'tp_admin_plane', workspaceId: w.workspaceId };
    const sql = `select telemetry.record_event('support.diagnostics_opened', $1, $2, $3, 'tenant', $2, '{"surface":"tenant_dashboard"}') as id`;
    const ids = [await record(sql, [w.workspaceId, w.tenantId, w.userId], identity), await record(sql, [w.workspaceId, w.tenantId, w.userId], identity)];
    expect(new Set(ids).size).toBe(2);
    expect(await ledgerRows(db.pool, w.workspaceId)).toHaveLength(2);
  });

  it('records a late retry anew once the first row has been pruned', async () => {
    const w = await createWorld(db.pool);
    const identity: Identity = { role: 'tp_admin_plane', workspaceId: w.workspaceId };
    const sql = `select telemetry.record_event('reports.stored_report_created', $1, $2, $3, 'stored_report', '44444444-4444-4444-8444-444444444444', '{"report_type":"permission_posture"}', now() - $4::interval) as id`;
    const first = await record(sql, [w.workspaceId, w.tenantId, w.userId, '10 days'], identity);
    expect(await record(sql, [w.workspaceId, w.tenantId, w.userId, '1 day'], identity)).toBe(first);
    await pruneWithRetention(db.pool, 5);
    await db.pool.query('update telemetry.settings set retention_days = 90');
    expect(await ledgerRows(db.pool, w.workspaceId)).toEqual([]);
    const late = await record(sql, [w.workspaceId, w.tenantId, w.userId, '1 day'], identity);
    expect(late).not.toBe(first);
    expect((await ledgerRows(db.pool, w.workspaceId)).map((r) => r.id)).toEqual([late]);
    expect(await record(sql, [w.workspaceId, w.tenantId, w.userId, '0'], identity)).toBe(late);
  });

  it('keeps a late retry single when the pruned first event\'s key is collected in the middle of it', async () => {
    const w = await createWorld(db.pool);
    const identity: Identity = { role: 'tp_admin_plane', workspaceId: w.workspaceId };
    const subject = '77777777-7777-4777-8777-777777777777';
    const sql = `select telemetry.record_event('reports.stored_report_created', $1, $2, $3, 'stored_report', '${subject}', '{"report_type":"permission_posture"}', now() - $4::interval) as id`;
    await record(sql, [w.workspaceId, w.tenantId, w.userId, '10 days'], identity);
    await pruneWithRetention(db.pool, 5); // the event goes, its key stays until collected
    await db.pool.query('update telemetry.settings set retention_days = 90');
    const [holder, collector, recorder] = [await db.pool.connect(), await db.pool.connect(), await db.pool.connect()];
    const waitsForLock = async (client: typeof holder) => {
      const pid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
      return () => waitFor(async () => (await db.pool.query(`select 1 from pg_stat_activity where pid = $1 and wait_event_type = 'Lock'`, [pid])).rowCount! > 0,
        `backend ${pid} to wait for a lock`, { timeoutMs: 5000, intervalMs: 50 });
    };
    try {
      // The key is held, so the collector waits to delete it and the retry, which finds the key
      // taken, then waits behind the collector to lock it: it finds the key gone.
      const collectorWaits = await waitsForLock(collector);
      const recorderWaits = await waitsForLock(recorder);
      await holder.query('begin');
      await holder.query(`select from telemetry.event_dedup_keys where subject_id = $1 for update`, [subject]);
      await collector.query(`set role tp_worker`);
      const collected = collector.query<{ n: string }>('select telemetry.prune_dedup_keys() as n');
      await collectorWaits();
      await recorder.query('begin');
      await recorder.query(`select set_config('role', 'tp_admin_plane', true), set_config('tenantpulse.workspace_id', $1, true)`, [w.workspaceId]);
      const recording = recorder.query<{ id: string }>(sql, [w.workspaceId, w.tenantId, w.userId, '1 day']);
      await recorderWaits();
      await holder.query('commit');
      expect(Number((await collected).rows[0]!.n)).toBeGreaterThanOrEqual(1); // (other tests' keys too)
      const late = (await recording).rows[0]!.id;
      await recorder.query('commit');
      expect(await record(sql, [w.workspaceId, w.tenantId, w.userId, '0'], identity)).toBe(late);
      expect((await ledgerRows(db.pool, w.workspaceId)).map((r) => r.id)).toEqual([late]);
    } finally {
      for (const client of [holder, recorder]) await client.query('rollback').catch(() => {});
      await collector.query('reset role').catch(() => {});
      for (const client of [holder, collector, recorder]) client.release();
    }
  });

  it('stores one row when two connections record the same milestone at once', async () => {
    const w = await createWorld(db.pool);
    const sql = `select telemetry.record_event('review_packs.generation_requested', $1, $2, $3, 'review_pack', '55555555-5555-4555-8555-555555555555') as id`;
    const params = [w.workspaceId, w.tenantId, w.userId];
    const [a, b] = [await db.pool.connect(), await db.pool.connect()];
    try {
      for (const client of [a, b]) {
        await client.query('begin');
        await client.query(`select set_config('role', 'tp_admin_plane', true), set_config('tenantpulse.workspace_id', $1, true)`, [w.workspaceId]);
      }
      const first = (await a.query<{ id: string }>(sql, params)).rows[0]!.id;
      let settled = false;
      const second = b.query<{ id: string }>(sql, params).then((result) => { settled = true; return result.rows[0]!.id; });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).toBe(false); // waits for the first transaction
      await a.query('commit');
      expect(await second).toBe(first);
      await b.query('commit');
    } finally {
      a.release();
      b.release();
    }
    expect(await ledgerRows(db.pool, w.workspaceId)).toHaveLength(1);
  });

  it('keeps one key per milestone whoever writes it, and finds a key through its constraint\'s hash index', async () => {
    const w = await createWorld(db.pool);
    const subject = '66666666-6666-4666-8666-666666666666';
    const first = await record(`select telemetry.record_event('onboarding.checkpoint_completed', $1, $2, $3, 'onboarding_session', $4, '{"checkpoint":"consent_granted"}') as id`,
      [w.workspaceId, w.tenantId, w.userId, subject], { role: 'tp_admin_plane', workspaceId: w.workspaceId });
    const insertKey = `insert into telemetry.event_dedup_keys (workspace_id, event_name, subject_id, dedup_value, event_id, occurred_at)
                       values ($1, 'onboarding.checkpoint_completed', $2, $3, gen_random_uuid(), now())`;
    await as(db.pool, { role: 'tp_owner' }, async (client) => {
      expect(await rejectionWithin(client, insertKey, [w.workspaceId, subject, 'consent_granted'])).toMatchObject({ code: '23P01' });
      await client.query(insertKey, [w.workspaceId, subject, 'tenant_bound']); // another checkpoint: another milestone
      // The recorder's lookup of an existing key (its retry path) compares the constraint's own
      // milestone value, so the hash index answers it rather than a scan of millions of keys.
      await client.query('set local enable_seqscan = off');
      const { rows: plan } = await client.query<{ 'QUERY PLAN': string }>(
        `explain select k.event_id from telemetry.event_dedup_keys as k
          where (k.workspace_id, k.event_name, k.subject_id, k.dedup_value)::telemetry.milestone
              = ($1::uuid, 'onboarding.checkpoint_completed', $2::uuid, 'consent_granted')::telemetry.milestone`, [w.workspaceId, subject]);
      expect(plan.map((row) => row['QUERY PLAN']).join('\n')).toContain('event_dedup_keys_milestone_excl');
      const { rows: [key] } = await client.query<{ event_id: string }>(
        `select k.event_id from telemetry.event_dedup_keys as k
          where (k.workspace_id, k.event_name, k.subject_id, k.dedup_value)::telemetry.milestone
              = ($1::uuid, 'onboarding.checkpoint_completed', $2::uuid, 'consent_granted')::telemetry.milestone`, [w.workspaceId, subject]);
      expect(key!.event_id).toBe(first);
    });
  });

  it('records into a day that has no partition yet without creating one or locking the parent tables', async () => {
    const w = await createWorld(db.pool);
    const day = await withoutPartitionsOf(db.pool, '20 days');
    const strongLocks = await as(db.pool, { role: 'tp_admin_plane', workspaceId: w.workspaceId }, async (c) => {
      await c.query(recordSql({ occurred_at: `now() - interval '20 days'` }), [w.workspaceId, w.tenantId, w.userId]);
      // anything beyond row writes would block every other recorder and reader until commit
      const { rows } = await c.query(
        `select l.relation::regclass::text as relation, l.mode from pg_locks as l
          where l.pid = pg_backend_pid() and l.locktype = 'relation'
            and l.mode not in ('AccessShareLock', 'RowShareLock', 'RowExclusiveLock')`);
      return rows;
    }, { commit: true });
    expect(strongLocks).toEqual([]);
    const { rows } = await db.pool.query(
      `select tableoid::regclass::text as partition from telemetry.product_usage_events where workspace_id = $1`, [w.workspaceId]);
    expect(rows).toEqual([{ partition: 'telemetry.product_usage_events_default' }]);
    expect(await db.pool.query(`select to_regclass('telemetry.product_usage_events_p${day}') as p`).then((r) => r.rows[0].p)).toBeNull();
  });
});
