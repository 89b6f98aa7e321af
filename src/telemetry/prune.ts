// One retention run (SPEC §3.6), shared by the daily job and `npm run prune`, as tp_worker, in
// short transactions, so none holds back the cleanup of what recording rewrites meanwhile: the
// expired events (prune_events); their storage freed one day at a time, with pauses (freeing
// files at once stalls concurrent commits on disks that discard freed blocks online); the
// de-duplication keys of events that are gone (a key left behind by a failure de-duplicates
// nothing and is collected next time); the emptied partitions dropped, then the coming week's
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
  partitionsDropped: number;
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
 * Each day's freeing is followed by a pause 19 times as long as it took, so freeing takes at most
 * 5 % of the time: ~0.5 s a day at 110 k events a day on the bench machine (bench/RESULTS.md).
 */
const freePauseFactor = 19;

/** Frees the storage of the rows the prune detached, day by day; returns how many days. */
export async function freePrunedStorage(client: pg.ClientBase, signal?: AbortSignal): Promise<number> {
  for (let days = 0; ; days += 1) {
    const start = performance.now();
    const tables = await asWorker(client, async () =>
      (await client.query<{ tables: number }>('select telemetry.free_pruned_storage() as tables')).rows[0]!.tables);
    if (tables === 0) return days;
    await sleep((performance.now() - start) * freePauseFactor, undefined, { signal });
  }
}

/** `signal` (the job runner's abort) ends the pauses between the days whose storage is freed. */
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
  const partitionsDropped = await asWorker(client, async () =>
    (await client.query<{ dropped: number }>('select telemetry.drop_expired_partitions() as dropped')).rows[0]!.dropped);
  const partitionsCreated = await asWorker(client, async () =>
    (await client.query<{ created: number }>('select telemetry.create_partitions_ahead() as created')).rows[0]!.created);
  return { removed, daysFreed, keys, partitionsDropped, partitionsCreated, cutoff };
}
