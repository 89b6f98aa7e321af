// Retention (SPEC §3.6): prune_events removes exactly the events older than
// now() - retention_days, records the run, and is safe beside recording and beside itself.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { repoRoot, sourceMarker } from '../../../src/db/migrations.ts';
import { as, rejection, useTestDatabase } from '../../helpers/database.ts';
import { createWorld, dailyTables, ledgerCount, pruneWithRetention, rollupMatchesLedger, withoutPartitionsOf, type World } from './fixtures.ts';

const db = useTestDatabase();

/** Owner-written rows at the given offsets from now() (of the client's transaction). */
async function insertAt(c: pg.PoolClient | pg.Pool, w: World, offsets: string[]) {
  await c.query(`select telemetry.ensure_partitions(now() - interval '120 days', now())`);
  await c.query(
    `insert into telemetry.product_usage_events (workspace_id, event_name, tenant_id, actor_id, subject_type, subject_id, occurred_at)
     select $1, 'support.diagnostics_opened', $2, $3, 'tenant', $2, now() + o::interval from unnest($4::text[]) as o`,
    [w.workspaceId, w.tenantId, w.userId, offsets]);
}

/** Ledger rows of a UTC day (YYYYMMDD), read through the parent (whose policies apply). */
async function rowsOnDay(c: pg.PoolClient | pg.Pool, day: string): Promise<number> {
  const { rows } = await c.query<{ n: number }>(
    `select count(*)::int as n from telemetry.product_usage_events
      where occurred_at >= to_date($1, 'YYYYMMDD')::timestamp at time zone 'UTC'
        and occurred_at < (to_date($1, 'YYYYMMDD') + 1)::timestamp at time zone 'UTC'`, [day]);
  return rows[0]!.n;
}

/** The section of committed migration `number` that came from migrations/draft/`source` (drafts are removed once committed). */
function draftSection(number: string, source: string): string {
  const file = readdirSync(path.join(repoRoot, 'migrations/committed')).find((name) => name.startsWith(`${number}-`))!;
  return readFileSync(path.join(repoRoot, 'migrations/committed', file), 'utf8')
    .split(`${sourceMarker}migrations/draft/${source}\n`)[1]!.split(sourceMarker)[0]!;
}

async function tableExists(name: string): Promise<boolean> {
  return (await db.pool.query<{ present: boolean }>(`select to_regclass($1) is not null as present`, [name])).rows[0]!.present;
}

const old = ['-100 days', '-95 days -3 hours', '-91 days', '-90 days -1 second', '-90 days -2 hours'];
const kept = ['-90 days', '-89 days -23 hours', '-30 days', '-1 hour', '0'];

describe('telemetry.prune_events', () => {
  it('removes exactly the events older than the retention window, empties whole expired days, and records the run', async () => {
    await as(db.pool, { role: 'tp_owner' }, async (c) => {
      const w = await createWorld(c);
      await insertAt(c, w, [...old, ...kept]);
      const expiredDay = (await c.query(`select to_char((now() - interval '100 days') at time zone 'UTC', 'YYYYMMDD') as d`)).rows[0].d;
      expect((await c.query(`select to_regclass('telemetry.product_usage_events_p' || $1) is not null as present`, [expiredDay])).rows[0].present).toBe(true);
      await c.query(`select set_config('role', 'tp_worker', true)`);
      const { rows: [{ removed }] } = await c.query('select telemetry.prune_events() as removed');
      await c.query(`select set_config('role', 'tp_owner', true)`);
      expect(removed).toBe(String(old.length)); // bigint
      const { rows: left } = await c.query(`select (now() - occurred_at)::text as age from telemetry.product_usage_events where workspace_id = $1 order by occurred_at`, [w.workspaceId]);
      expect(left.map((r) => r.age)).toEqual(['90 days', '89 days 23:00:00', '30 days', '01:00:00', '00:00:00']);
      // The expired day's rows are detached from it, not dropped with it: drop_expired_partitions does that.
      expect(await rowsOnDay(c, expiredDay)).toBe(0);
      const { rows: runs } = await c.query(`select cutoff = now() - interval '90 days' as at_cutoff, rows_removed::int, ran_at = now() as now from telemetry.prune_runs`);
      expect(runs).toEqual([{ at_cutoff: true, rows_removed: old.length, now: true }]);
      await rollupMatchesLedger(c);
      // Nothing left to remove: a second run removes 0 and is recorded too.
      expect((await c.query('select telemetry.prune_events() as removed')).rows[0].removed).toBe('0');
      expect((await c.query('select count(*)::int as n from telemetry.prune_runs')).rows[0].n).toBe(2);
    });
  });

  it('deletes the straddling day\'s expired rows of every workspace, whatever its id', async () => {
    await as(db.pool, { role: 'tp_owner' }, async (c) => {
      // Ids from the first to the last possible one.
      const ids = '0123456789abcdef'.split('').flatMap((digit) => [
        `${digit}0000000-0000-0000-0000-000000000000`, `${digit}fffffff-ffff-ffff-ffff-ffffffffffff`]);
      const worlds: World[] = [];
      for (const id of ids) {
        await c.query(`insert into platform.workspaces (id, name) values ($1::uuid, 'Slice ' || $1::text)`, [id]);
        const tenant = (await c.query(`insert into platform.tenants (workspace_id, name) values ($1, 'T') returning id`, [id])).rows[0].id;
        const user = (await c.query(`insert into platform.users (display_name) values ('Ada') returning id`)).rows[0].id;
        worlds.push({ workspaceId: id, tenantId: tenant, userId: user });
      }
      // One row expired on the day that straddles the cutoff (halfway between its midnight and the
      // cutoff, whenever the test runs), one kept at the cutoff.
      const { rows: [{ expired }] } = await c.query(
        `select (-(interval '90 days' + ((now() - interval '90 days') - date_bin('1 day', now() - interval '90 days', timestamptz '2000-01-01')) / 2))::text as expired`);
      for (const w of worlds) await insertAt(c, w, [expired, '-90 days']);
      await c.query(`select set_config('role', 'tp_worker', true)`);
      expect((await c.query('select telemetry.prune_events() as removed')).rows[0].removed).toBe(String(ids.length));
      await c.query(`select set_config('role', 'tp_owner', true)`);
      const { rows } = await c.query(`select workspace_id, count(*)::int as n from telemetry.product_usage_events where workspace_id = any ($1) group by 1`, [ids]);
      expect(rows).toHaveLength(ids.length);
      expect(rows.every((row) => row.n === 1)).toBe(true);
      await rollupMatchesLedger(c);
    });
  });

  it('follows retention_days', async () => {
    await as(db.pool, { role: 'tp_owner' }, async (c) => {
      const w = await createWorld(c);
      await insertAt(c, w, ['-10 days', '-6 days', '-4 days', '0']);
      await c.query('update telemetry.settings set retention_days = 5');
      expect(Number((await c.query('select telemetry.prune_events() as removed')).rows[0].removed)).toBeGreaterThanOrEqual(2); // (and what other tests left)
      await rollupMatchesLedger(c);
    });
  });

  it('creates the coming week of partitions in a step of its own, which gives up while recording keeps the ledger busy', async () => {
    const w = await createWorld(db.pool);
    const coming = `telemetry.product_usage_events_p${ymd(6)}`;
    const present = () => tableExists(coming);
    await db.pool.query(`drop table ${coming}`);
    const recorder = await db.pool.connect();
    try {
      await recorder.query('begin');
      await recorder.query(`select telemetry.record_event('support.diagnostics_opened', $1, $2, $3, 'tenant', $2)`, [w.workspaceId, w.tenantId, w.userId]);
      const worker = (sql: string) => as(db.pool, { role: 'tp_worker', settings: { lock_timeout: '3s' } }, async (c) => (await c.query(sql)).rows[0].n, { commit: true });
      // The prune runs no DDL: it neither waits for recording nor holds the ledger exclusively (rolled
      // back, so that the other tests' prune runs stay theirs).
      await as(db.pool, { role: 'tp_worker', settings: { lock_timeout: '3s' } }, async (c) => {
        await c.query('select telemetry.prune_events()');
        const { rows: [held] } = await c.query(`select count(*)::int as n from pg_locks where pid = pg_backend_pid()
            and mode = 'AccessExclusiveLock' and relation = 'telemetry.product_usage_events'::regclass`);
        expect(held.n).toBe(0);
      });
      expect(await present()).toBe(false);
      expect(await worker('select telemetry.create_partitions_ahead() as n')).toBe(0); // gave up after its lock_timeout
      expect(await present()).toBe(false);
      await recorder.query('commit');
      expect(await worker('select telemetry.create_partitions_ahead() as n')).toBe(1);
      expect(await present()).toBe(true);
      expect(await worker('select telemetry.create_partitions_ahead() as n')).toBe(0); // nothing missing
    } finally {
      await recorder.query('rollback').catch(() => {});
      recorder.release();
    }
  });

  it('runs beside a concurrent prune and concurrent recording: nothing fails, every count stays exact', async () => {
    const w = await createWorld(db.pool);
    await insertAt(db.pool, w, [...old, ...old, '-89 days', '-30 days', '0']); // (later transactions: keep clear of the cutoff)
    const before = await ledgerCount(db.pool);
    const record = async (n: number) => {
      for (let i = 0; i < n; i += 1) {
        await as(db.pool, { role: 'tp_admin_plane', workspaceId: w.workspaceId }, (c) =>
          c.query(`select telemetry.record_event('support.diagnostics_opened', $1, $2, $3, 'tenant', $2)`, [w.workspaceId, w.tenantId, w.userId]),
          { commit: true });
      }
    };
    const prune = () => as(db.pool, { role: 'tp_worker' }, async (c) => Number((await c.query('select telemetry.prune_events() as n')).rows[0].n), { commit: true });
    const [, first, second] = await Promise.all([record(40), prune(), prune()]);
    expect(first + second).toBe(2 * old.length);
    expect([first, second]).toContain(0); // the second waited, then found nothing
    expect(await ledgerCount(db.pool)).toBe(before - 2 * old.length + 40);
    await rollupMatchesLedger(db.pool);
    const { rows: runs } = await db.pool.query('select rows_removed::int from telemetry.prune_runs order by id');
    expect(runs.map((r) => r.rows_removed).sort()).toEqual([0, 2 * old.length]);
  });

  it('cannot be held up by an advisory lock, which any role that can connect may take', async () => {
    const squatter = await db.pool.connect();
    try {
      await squatter.query(`select pg_advisory_lock(hashtext('telemetry.prune_events'))`);
      // The check is the timeout: a prune that waited for the lock would be cancelled (57014).
      await as(db.pool, { role: 'tp_worker' }, async (c) => {
        await c.query(`set local statement_timeout = '3s'`);
        await c.query('select telemetry.prune_events()');
      });
      // What it waits on instead, the settings row, no role but the owner may lock.
      for (const role of ['tp_worker', 'tp_dba_reader', 'tp_system_operator', 'tp_admin_plane'] as const) {
        const error = await rejection(as(db.pool, { role }, (c) => c.query('select from telemetry.settings for update')));
        expect(error.code, role).toBe('42501');
      }
    } finally {
      await squatter.query('select pg_advisory_unlock_all()');
      squatter.release();
    }
  });

  it('collects de-duplication keys of pruned events (prune_dedup_keys)', async () => {
    const w = await createWorld(db.pool);
    const sql = `select telemetry.record_event('review_packs.generation_requested', $1, $2, $3, 'review_pack', gen_random_uuid(), '{}', now() - $4::interval)`;
    for (const age of ['20 days', '1 day']) {
      await as(db.pool, { role: 'tp_admin_plane', workspaceId: w.workspaceId }, (c) => c.query(sql, [w.workspaceId, w.tenantId, w.userId, age]), { commit: true });
    }
    const keys = async () => (await db.pool.query('select count(*)::int as n from telemetry.event_dedup_keys where workspace_id = $1', [w.workspaceId])).rows[0].n;
    expect(await keys()).toBe(2);
    await as(db.pool, { role: 'tp_owner' }, async (c) => {
      await c.query('update telemetry.settings set retention_days = 10');
      await c.query(`select set_config('role', 'tp_worker', true)`);
      await c.query('select telemetry.prune_events()');
      expect(Number((await c.query('select telemetry.prune_dedup_keys() as n')).rows[0].n)).toBeGreaterThanOrEqual(1);
    }, { commit: true });
    await db.pool.query('update telemetry.settings set retention_days = 90');
    expect(await keys()).toBe(1);
  });

  it('keeps the key of an event older than the last cutoff that is still recorded (retention raised since): its retry finds it', async () => {
    const w = await createWorld(db.pool);
    const pack = '00000000-0000-4000-8000-00000000dd01';
    const record = (at: string) => as(db.pool, { role: 'tp_admin_plane', workspaceId: w.workspaceId }, async (c) =>
      (await c.query(`select telemetry.record_event('review_packs.generation_requested', $1, $2, $3, 'review_pack', $4, '{}', now() - $5::interval) as id`,
        [w.workspaceId, w.tenantId, w.userId, pack, at])).rows[0].id, { commit: true });
    await pruneWithRetention(db.pool, 30);
    await db.pool.query('update telemetry.settings set retention_days = 90');
    await db.pool.query(`select telemetry.ensure_partitions(now() - interval '50 days', now() - interval '50 days')`);
    const first = await record('50 days'); // older than the last prune's cutoff, within today's retention
    await as(db.pool, { role: 'tp_worker' }, (c) => c.query('select telemetry.prune_dedup_keys()'), { commit: true });
    expect(await record('0 seconds')).toBe(first);
  });

  it('drops only the partitions before the last prune\'s cutoff, not before an earlier, shorter retention\'s', async () => {
    const day40 = `telemetry.product_usage_events_p${ymd(-40)}`;
    await db.pool.query(`select telemetry.ensure_partitions(now() - interval '40 days', now() - interval '40 days')`);
    await pruneWithRetention(db.pool, 30);
    await pruneWithRetention(db.pool, 90); // the last prune: day -40 is within retention again
    await as(db.pool, { role: 'tp_worker' }, (c) => c.query('select telemetry.drop_expired_partitions()'), { commit: true });
    expect(await tableExists(day40)).toBe(true);
  });

  it('takes expired days out without locking the ledger; the emptied partitions are dropped once recording lets go', async () => {
    const w = await createWorld(db.pool);
    await insertAt(db.pool, w, [...old, '-89 days']);
    const expiredDay = (await db.pool.query(`select to_char((now() - interval '100 days') at time zone 'UTC', 'YYYYMMDD') as d`)).rows[0].d;
    const partition = `telemetry.product_usage_events_p${expiredDay}`;
    const present = () => tableExists(partition);
    // A recording transaction left open holds its locks on the ledger and the rollups.
    const recorder = await db.pool.connect();
    try {
      await recorder.query('begin');
      await recorder.query(`select telemetry.record_event('support.diagnostics_opened', $1, $2, $3, 'tenant', $2)`, [w.workspaceId, w.tenantId, w.userId]);
      const worker = (sql: string) => as(db.pool, { role: 'tp_worker', settings: { lock_timeout: '3s' } }, async (c) => (await c.query(sql)).rows[0].n, { commit: true });
      expect(await worker('select telemetry.prune_events() as n')).toBe(String(old.length)); // did not wait for the recorder
      expect(await present()).toBe(true);
      expect(await worker('select telemetry.drop_expired_partitions() as n')).toBe(0); // gave up after its lock_timeout
      expect(await present()).toBe(true);
      await recorder.query('commit');
      expect(await worker('select telemetry.drop_expired_partitions() as n')).toBeGreaterThanOrEqual(4); // ledger and 3 rollups of that day at least
      expect(await present()).toBe(false);
      expect(await worker('select telemetry.drop_expired_partitions() as n')).toBe(0); // what is left holds rows
      await rollupMatchesLedger(db.pool);
    } finally {
      await recorder.query('rollback').catch(() => {});
      recorder.release();
    }
  });

  it('detaches expired days\' rows, readable by no role, and frees their storage one day per call before they are dropped', async () => {
    const free = () => as(db.pool, { role: 'tp_worker' }, async (c) => (await c.query('select telemetry.free_pruned_storage() as n')).rows[0].n, { commit: true });
    const drop = () => as(db.pool, { role: 'tp_worker' }, (c) => c.query('select telemetry.drop_expired_partitions()'), { commit: true });
    const pruned = async () => (await db.pool.query<{ name: string; bytes: number }>(
      `select relname as name, pg_relation_size(oid)::int as bytes from pg_class
        where relnamespace = 'telemetry'::regnamespace and relname ~ '_pruned_' order by relname`)).rows;
    // (what earlier tests left expired goes first)
    await pruneWithRetention(db.pool, 90);
    while (await free() > 0);
    await drop();
    expect(await pruned()).toEqual([]);
    const w = await createWorld(db.pool);
    await insertAt(db.pool, w, [...old, ...kept]);
    // the days wholly before the cutoff that hold rows: each is detached, ledger and three rollups
    const { days } = (await db.pool.query<{ days: string[] }>(
      `select array_agg(d order by d) as days from (
         select distinct to_char((now() + o::interval) at time zone 'UTC', 'YYYYMMDD') as d from unnest($1::text[]) as o
          where date_bin('1 day', now() + o::interval, timestamptz '2000-01-01 00:00:00+00') + interval '1 day' <= now() - interval '90 days') as x`, [old])).rows[0]!;
    expect(days.length).toBeGreaterThanOrEqual(3);
    await pruneWithRetention(db.pool, 90);
    const ledgerTables = (await pruned()).filter((t) => t.name.startsWith('product_usage_events_p'));
    expect(ledgerTables.map((t) => /_p(\d{8})_pruned_/.exec(t.name)![1])).toEqual(days);
    expect(await pruned()).toHaveLength(4 * days.length);
    // Only the superuser reads them: the owner sees no row (forced row-level security, no
    // policy), any other role is refused.
    const table = `telemetry.${ledgerTables[0]!.name}`;
    expect((await db.pool.query(`select count(*)::int as n from ${table}`)).rows[0].n).toBeGreaterThan(0);
    await as(db.pool, { role: 'tp_owner' }, async (c) => expect((await c.query(`select count(*)::int as n from ${table}`)).rows[0].n).toBe(0));
    for (const role of ['tp_worker', 'tp_system_operator', 'tp_admin_plane', 'tp_dba_reader'] as const) {
      expect((await rejection(as(db.pool, { role }, (c) => c.query(`select * from ${table}`)))).code).toBe('42501');
    }
    // Freed one day per call (four tables, the earliest day first), then nothing is left to free.
    for (const day of days) {
      expect(await free()).toBe(4);
      expect((await pruned()).filter((t) => t.bytes > 0 && t.name.includes(`_p${day}_`))).toEqual([]);
    }
    expect(await free()).toBe(0);
    expect((await pruned()).every((t) => t.bytes === 0)).toBe(true);
    // Dropped a day per call when asked (the retention run does, with pauses), the earliest first:
    // the day's four partitions, and its four detached tables if it had rows; then nothing is left.
    const dropDays = (n: number) => as(db.pool, { role: 'tp_worker' },
      async (c) => (await c.query('select telemetry.drop_expired_partitions($1) as n', [n])).rows[0].n, { commit: true });
    const { expired } = (await db.pool.query<{ expired: string[] }>(
      `select array_agg(distinct right(partition_name, 8) order by right(partition_name, 8)) as expired
         from telemetry.expired_partitions(telemetry.last_prune_cutoff())`)).rows[0]!;
    expect(expired).toEqual(expect.arrayContaining(days));
    for (const day of expired) {
      expect(await dropDays(1)).toBe(days.includes(day) ? 8 : 4);
      expect((await pruned()).map((t) => /_p(\d{8})_pruned_/.exec(t.name)![1])).not.toContain(day);
      for (const table of dailyTables) {
        expect(await tableExists(`telemetry.${table}_p${day}`)).toBe(false);
      }
    }
    expect((await pruned())).toEqual([]);
    expect(await dropDays(1)).toBe(0);
    await drop();
    expect(await pruned()).toEqual([]);
    await rollupMatchesLedger(db.pool);
  });

  it('refuses to drop fewer than one day per call, and drops nothing then', async () => {
    await db.pool.query(`select telemetry.ensure_partitions(now() - interval '120 days', now() - interval '120 days')`);
    await pruneWithRetention(db.pool, 90);
    const day = `telemetry.product_usage_events_p${ymd(-120)}`;
    const error = await rejection(as(db.pool, { role: 'tp_worker' }, (c) => c.query('select telemetry.drop_expired_partitions(0)')));
    expect(error.code).toBe('22023');
    expect(error.message).toMatch(/p_days/);
    expect(await tableExists(day)).toBe(true);
    await as(db.pool, { role: 'tp_worker' }, (c) => c.query('select telemetry.drop_expired_partitions()'), { commit: true });
    expect(await tableExists(day)).toBe(false);
  });

  it('leaves each pruned day a place for rows written to it later, its spare, which the next prune empties in turn', async () => {
    const w = await createWorld(db.pool);
    await insertAt(db.pool, w, ['-100 days']);
    const day = ymd(-100);
    await pruneWithRetention(db.pool, 90);
    expect(await rowsOnDay(db.pool, day)).toBe(0);
    const { rows: [secured] } = await db.pool.query(
      `select relrowsecurity as enabled, relforcerowsecurity as forced from pg_class where oid = to_regclass($1)`, [`telemetry.product_usage_events_p${day}_spare`]);
    expect(secured).toEqual({ enabled: true, forced: true }); // like every partition
    await insertAt(db.pool, w, ['-100 days']); // lands in the day's spare, its default partition
    const { rows: [{ partition }] } = await db.pool.query(
      `select tableoid::regclass::text as partition from telemetry.product_usage_events where workspace_id = $1`, [w.workspaceId]);
    expect(partition).toBe(`telemetry.product_usage_events_p${day}_spare`);
    expect(await rowsOnDay(db.pool, day)).toBe(1);
    await pruneWithRetention(db.pool, 90);
    expect(await rowsOnDay(db.pool, day)).toBe(0);
    const { rows: [{ n }] } = await db.pool.query(
      `select count(*)::int as n from pg_class where relnamespace = 'telemetry'::regnamespace and relname ~ ('^product_usage_events_p' || $1 || '_pruned_')`, [day]);
    expect(n).toBe(1); // the late row was deleted, not detached: the prune creates no table
    await rollupMatchesLedger(db.pool);
  });

  it('days partitioned in one level before migration 000029 were made two levels by it and 000030, their rows kept', () =>
    as(db.pool, { role: 'tp_owner' }, async (c) => {
      const w = await createWorld(c);
      const day = await withoutPartitionsOf(c, '50 days'); // (an earlier test may have pruned it)
      await insertAt(c, w, ['-50 days', '-50 days -1 second']);
      const bounds = `for values from ('${day}T00:00:00Z') to ('${day}T00:00:00Z'::timestamptz + interval '1 day')`;
      // that day as it was before: one level, its rows in partitions of the tables themselves
      for (const table of dailyTables) {
        await c.query(`alter table telemetry.${table} detach partition telemetry.${table}_p${day}`);
        await c.query(`alter table telemetry.${table}_p${day} detach partition telemetry.${table}_p${day}_rows`);
        await c.query(`drop table telemetry.${table}_p${day}`); // (and its spare)
        await c.query(`alter table telemetry.${table}_p${day}_rows rename to ${table}_p${day}`);
        await c.query(`alter table telemetry.${table} attach partition telemetry.${table}_p${day} ${bounds}`);
      }
      const shape = async () => (await c.query(
        `select c.relname as name, c.relkind as kind, c.relrowsecurity and c.relforcerowsecurity as secured,
                case pg_get_expr(c.relpartbound, c.oid) when 'DEFAULT' then 'default' else 'range' end as bound
           from pg_class c where c.relnamespace = 'telemetry'::regnamespace and c.relkind in ('r', 'p') and c.relname ~ ('^product_usage_events_p' || $1) order by 1`, [day])).rows;
      expect(await shape()).toEqual([{ name: `product_usage_events_p${day}`, kind: 'r', secured: true, bound: 'range' }]);
      await c.query(draftSection('000029', 'day_partitions_in_two_levels.sql'));
      await c.query(draftSection('000030', 'day_rows_beside_a_spare.sql'));
      expect(await shape()).toEqual([
        { name: `product_usage_events_p${day}`, kind: 'p', secured: true, bound: 'range' },
        { name: `product_usage_events_p${day}_rows`, kind: 'r', secured: true, bound: 'range' },
        { name: `product_usage_events_p${day}_spare`, kind: 'r', secured: true, bound: 'default' },
      ]);
      expect(await rowsOnDay(c, day)).toBe(2);
      await rollupMatchesLedger(c);
      // and the prune detaches that day like any other
      await c.query(`update telemetry.settings set retention_days = 30`);
      expect(Number((await c.query('select telemetry.prune_events() as removed')).rows[0].removed)).toBeGreaterThanOrEqual(2); // (and what other tests left)
      expect(await rowsOnDay(c, day)).toBe(0);
      await rollupMatchesLedger(c);
    }));

  it('leaves half of each page of the daily rollup\'s day rows free (its updates stay HOT), in days created now and in those migration 000034 found', () =>
    as(db.pool, { role: 'tp_owner' }, async (c) => {
      const fillfactor = async (day: string) => Object.fromEntries((await c.query(
        `select t.name, coalesce((select split_part(o, '=', 2)::int from unnest(c.reloptions) as o where o like 'fillfactor=%'), 100) as fillfactor
           from unnest($1::text[]) as t (name) join pg_class as c on c.oid = to_regclass('telemetry.' || t.name || '_p' || $2 || '_rows')`,
        [dailyTables, day])).rows.map((r) => [r.name, r.fillfactor]));
      const everyOther = { product_usage_events: 100, usage_daily_workspace_rollup: 100, usage_hourly_event_rollup: 100 };
      const day = await withoutPartitionsOf(c, '60 days');
      await c.query(`select telemetry.ensure_partitions(now() - interval '60 days', now() - interval '60 days')`);
      expect(await fillfactor(day)).toEqual({ ...everyOther, usage_daily_rollup: 50 });
      // a day's partitions as they were before 000034, which sets the daily rollup's anew
      await c.query(`alter table telemetry.usage_daily_rollup_p${day}_rows reset (fillfactor)`);
      expect((await fillfactor(day)).usage_daily_rollup).toBe(100);
      await c.query(draftSection('000034', 'daily_rollup_pages_half_free.sql'));
      expect(await fillfactor(day)).toEqual({ ...everyOther, usage_daily_rollup: 50 });
    }));

  it('keeps an expired partition that still holds rows for the next prune', async () => {
    await as(db.pool, { role: 'tp_owner' }, async (c) => {
      const w = await createWorld(c);
      await insertAt(c, w, ['-100 days']);
      await c.query(`insert into telemetry.prune_runs (cutoff, rows_removed) values (now() - interval '90 days', 0)`);
      await c.query(`select set_config('role', 'tp_worker', true)`);
      const expiredDay = (await c.query(`select to_char((now() - interval '100 days') at time zone 'UTC', 'YYYYMMDD') as d`)).rows[0].d;
      await c.query('select telemetry.drop_expired_partitions()');
      await c.query(`select set_config('role', 'tp_owner', true)`);
      expect(await rowsOnDay(c, expiredDay)).toBe(1);
    });
  });
});

function ymd(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
}
