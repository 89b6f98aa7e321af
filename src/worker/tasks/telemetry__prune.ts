// Daily retention (SPEC §3.6), scheduled at 03:00 UTC with backfill (task-list.ts). The run is
// idempotent (see telemetry/prune.ts), so a backfilled or retried job is harmless.
import type { JobHelpers, Task } from 'graphile-worker';
import type pg from 'pg';
import { z } from 'zod';
import { pruneTelemetry } from '../../telemetry/prune.ts';

/** Payload: {} when enqueued by hand; the scheduler adds `_cron` ({ ts, backfilled }). */
export const telemetryPrunePayload = z.strictObject({
  _cron: z.strictObject({ ts: z.string(), backfilled: z.boolean() }).optional(),
});

/**
 * Runs `work` on `client`, cancelling its statement when the runner aborts the job (a stop that
 * has waited its grace period): a prune waiting on a lock must not hold a stop back for as long
 * as the lock is held. The cancelled step rolls back and the job is retried.
 */
async function cancelledOnAbort<T>(client: pg.PoolClient, helpers: JobHelpers, work: () => Promise<T>): Promise<T> {
  const pid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
  const cancel = () => {
    helpers.logger.info(`the runner is stopping: cancelling the telemetry prune (backend ${pid}); it is retried later`);
    void helpers.withPgClient((other) => other.query('select pg_cancel_backend($1)', [pid])).catch(() => {});
  };
  helpers.abortSignal.addEventListener('abort', cancel, { once: true });
  try {
    return await work();
  } finally {
    helpers.abortSignal.removeEventListener('abort', cancel);
  }
}

export const telemetryPrune: Task = async (payload, helpers) => {
  const { _cron: cron } = telemetryPrunePayload.parse(payload ?? {});
  const { removed, daysFreed, keys, tablesDropped, partitionsCreated } = await helpers.withPgClient((client) =>
    cancelledOnAbort(client, helpers, () => pruneTelemetry(client, helpers.abortSignal)));
  helpers.logger.info(
    `telemetry prune${cron ? ` (scheduled ${cron.ts}${cron.backfilled ? ', backfilled' : ''})` : ''}: ` +
      `removed ${removed} events (freed the storage of ${daysFreed} days), ${keys} de-duplication keys; dropped ${tablesDropped} tables of expired days, created ${partitionsCreated} days of partitions ahead`,
  );
};
