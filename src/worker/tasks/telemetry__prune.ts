// Daily retention (SPEC §3.6), scheduled at 03:00 UTC with backfill (task-list.ts). The run is
// idempotent (see telemetry/prune.ts), so a backfilled or retried job is harmless.
import type { Task } from 'graphile-worker';
import { z } from 'zod';
import { pruneTelemetry } from '../../telemetry/prune.ts';

/** Payload: {} when enqueued by hand; the scheduler adds `_cron` ({ ts, backfilled }). */
export const telemetryPrunePayload = z.strictObject({
  _cron: z.strictObject({ ts: z.string(), backfilled: z.boolean() }).optional(),
});

export const telemetryPrune: Task = async (payload, helpers) => {
  const { _cron: cron } = telemetryPrunePayload.parse(payload ?? {});
  const { removed, keys, partitionsDropped, partitionsCreated } = await helpers.withPgClient((client) => pruneTelemetry(client));
  helpers.logger.info(
    `telemetry prune${cron ? ` (scheduled ${cron.ts}${cron.backfilled ? ', backfilled' : ''})` : ''}: ` +
      `removed ${removed} events, ${keys} de-duplication keys; dropped ${partitionsDropped} emptied partitions, created ${partitionsCreated} days of partitions ahead`,
  );
};
