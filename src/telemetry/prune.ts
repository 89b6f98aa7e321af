// One retention run (SPEC §3.6), shared by the daily job and `npm run prune`, as tp_worker:
// first, in one transaction, the expired events (prune_events) and the de-duplication keys of
// events that are gone; then, in a short transaction of its own, the emptied partitions are
// dropped (a drop locks the ledger exclusively for a moment; it gives up rather than wait long).
// Idempotent: a second run removes nothing.
import type pg from 'pg';

export interface PruneResult {
  removed: number;
  keys: number;
  partitionsDropped: number;
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
  const { removed, keys, cutoff } = await asWorker(client, async () => {
    const { rows: [pruned] } = await client.query<{ removed: string }>('select telemetry.prune_events() as removed');
    const { rows: [collected] } = await client.query<{ keys: string }>('select telemetry.prune_dedup_keys() as keys');
    await client.query('reset role'); // prune_runs is the DBA's to read, not the worker's
    const { rows: [run] } = await client.query<{ cutoff: Date }>(
      'select cutoff from telemetry.prune_runs order by ran_at desc, id desc limit 1');
    return { removed: Number(pruned!.removed), keys: Number(collected!.keys), cutoff: run!.cutoff };
  });
  const partitionsDropped = await asWorker(client, async () =>
    (await client.query<{ dropped: number }>('select telemetry.drop_expired_partitions() as dropped')).rows[0]!.dropped);
  return { removed, keys, partitionsDropped, cutoff };
}
