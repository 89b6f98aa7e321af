// One retention run (SPEC §3.6), shared by the daily job and `npm run prune`: removes expired
// events, then the de-duplication keys of events that are gone, as tp_worker in one transaction.
// Idempotent: a second run removes nothing.
import type pg from 'pg';

export interface PruneResult {
  removed: number;
  keys: number;
  cutoff: Date;
}

export async function pruneTelemetry(client: pg.ClientBase): Promise<PruneResult> {
  await client.query('begin');
  try {
    await client.query('set local role tp_worker');
    const { rows: [pruned] } = await client.query<{ removed: string }>('select telemetry.prune_events() as removed');
    const { rows: [collected] } = await client.query<{ keys: string }>('select telemetry.prune_dedup_keys() as keys');
    await client.query('reset role'); // prune_runs is the DBA's to read, not the worker's
    const { rows: [run] } = await client.query<{ cutoff: Date }>(
      'select cutoff from telemetry.prune_runs order by ran_at desc, id desc limit 1');
    await client.query('commit');
    return { removed: Number(pruned!.removed), keys: Number(collected!.keys), cutoff: run!.cutoff };
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  }
}
