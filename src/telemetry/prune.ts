// One retention run (SPEC §3.6), shared by the daily job and `npm run prune`, as tp_worker, in
// short transactions, so none holds back the cleanup of what recording rewrites meanwhile: the
// expired events (prune_events); their storage freed one day at a time, with pauses (freeing
// files at once stalls concurrent commits on disks that discard freed blocks online); the
// de-duplication keys of events that are gone (a key left behind by a failure de-duplicates
// nothing and is collected next time); the emptied partitions dropped a day at a time, with
// pauses (a drop locks the ledger exclusively), then the coming week's
// created (DDL that locks the ledger exclusively for a moment; each gives up rather than wait
// long, and the next run tries again).
// Idempotent: a second run removes nothing.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';

export interface PruneResult {
  removed: number;
  /** Days whose detached rows' storage was freed. */
  daysFreed: number;
  keys: number;
  /** Tables of expired days dropped: their emptied partitions and the detached rows. */
  tablesDropped: number;
  partitionsCreated: number;
  cutoff: Date;
}

async function asWorker<T>(client: pg.ClientBase, work: () => Promise<T>): Promise<T> {
  await client.query('begin');
  try {
    await client.query('set local role tp_worker');
    const result = await work();
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  }
}

/**
 * Each day's freeing or dropping is followed by a pause 19 times as long as it took, so the step
 * takes at most 5 % of the time: ~0.5 s a day for the freeing at 110 k events a day on the bench
 * machine, and a drop stops recording (it locks the parents) for a day's tables at a time, not
 * for all of them (bench/RESULTS.md).
 */
const pauseFactor = 19;

/** Calls `sql` (returning `n`, 0 when done) until it returns 0, pausing after each call. */
async function dayByDay(client: pg.ClientBase, sql: string, signal?: AbortSignal): Promise<{ calls: number; total: number }> {
  let calls = 0;
  let total = 0;
  for (;;) {
    const start = performance.now();
    const n = await asWorker(client, async () => Number((await client.query<{ n: number }>(sql)).rows[0]!.n));
    if (n === 0) return { calls, total };
    calls += 1;
    total += n;
    await sleep((performance.now() - start) * pauseFactor, undefined, { signal });
  }
}

/** Frees the storage of the rows the prune detached, day by day; returns how many days. */
export async function freePrunedStorage(client: pg.ClientBase, signal?: AbortSignal): Promise<number> {
  return (await dayByDay(client, 'select telemetry.free_pruned_storage() as n', signal)).calls;
}

/** Drops the tables of expired days, a day per transaction; returns how many tables. */
export async function dropExpiredPartitions(client: pg.ClientBase, signal?: AbortSignal): Promise<number> {
  return (await dayByDay(client, 'select telemetry.drop_expired_partitions(1) as n', signal)).total;
}

/** `signal` (the job runner's abort) ends the pauses between the days freed or dropped. */
export async function pruneTelemetry(client: pg.ClientBase, signal?: AbortSignal): Promise<PruneResult> {
  const { removed, cutoff } = await asWorker(client, async () => {
    const { rows: [pruned] } = await client.query<{ removed: string }>('select telemetry.prune_events() as removed');
    await client.query('reset role'); // prune_runs is the DBA's to read, not the worker's
    const { rows: [run] } = await client.query<{ cutoff: Date }>('select telemetry.last_prune_cutoff() as cutoff');
    return { removed: Number(pruned!.removed), cutoff: run!.cutoff };
  });
  const daysFreed = await freePrunedStorage(client, signal);
  const keys = await asWorker(client, async () =>
    Number((await client.query<{ keys: string }>('select telemetry.prune_dedup_keys() as keys')).rows[0]!.keys));
  const tablesDropped = await dropExpiredPartitions(client, signal);
  const partitionsCreated = await asWorker(client, async () =>
    (await client.query<{ created: number }>('select telemetry.create_partitions_ahead() as created')).rows[0]!.created);
  return { removed, daysFreed, keys, tablesDropped, partitionsCreated, cutoff };
}
