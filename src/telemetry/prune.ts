// One retention run (SPEC §3.6), shared by the daily job and `npm run prune`, as tp_worker, in
// four short transactions, so none holds back the cleanup of what recording rewrites meanwhile:
// the expired events (prune_events); the de-duplication keys of events that are gone (a key left
// behind by a failure de-duplicates nothing and is collected next time); the emptied partitions
// dropped, then the coming week's created (DDL that locks the ledger exclusively for a moment;
// each gives up rather than wait long, and the next run tries again).
// Idempotent: a second run removes nothing.
import type pg from 'pg';

export interface PruneResult {
  removed: number;
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

export async function pruneTelemetry(client: pg.ClientBase): Promise<PruneResult> {
  const { removed, cutoff } = await asWorker(client, async () => {
    const { rows: [pruned] } = await client.query<{ removed: string }>('select telemetry.prune_events() as removed');
    await client.query('reset role'); // prune_runs is the DBA's to read, not the worker's
    const { rows: [run] } = await client.query<{ cutoff: Date }>('select telemetry.last_prune_cutoff() as cutoff');
    return { removed: Number(pruned!.removed), cutoff: run!.cutoff };
  });
  const keys = await asWorker(client, async () =>
    Number((await client.query<{ keys: string }>('select telemetry.prune_dedup_keys() as keys')).rows[0]!.keys));
  const partitionsDropped = await asWorker(client, async () =>
    (await client.query<{ dropped: number }>('select telemetry.drop_expired_partitions() as dropped')).rows[0]!.dropped);
  const partitionsCreated = await asWorker(client, async () =>
    (await client.query<{ created: number }>('select telemetry.create_partitions_ahead() as created')).rows[0]!.created);
  return { removed, keys, partitionsDropped, partitionsCreated, cutoff };
}
