// Every job the runner knows, and when the recurring ones run. One task per file under tasks/,
// named `<area>__<action>`.
import type { CronItem, TaskList } from 'graphile-worker';
import { telemetryPrune } from './tasks/telemetry__prune.ts';

export const taskList: TaskList = {
  telemetry__prune: telemetryPrune,
};

const day = 24 * 60 * 60 * 1000;

/** Recurring jobs (times are UTC). */
export const cronItems: CronItem[] = [
  {
    // Daily retention at 03:00 UTC; after downtime, the missed runs of the last 2 days are
    // backfilled. The job key usually folds them into one job; when the runner has already taken
    // the first, the second runs too and removes nothing (the prune is idempotent). A failing run
    // is retried 10 times, graphile-worker's backoff spreading them over ~3.5 hours, so a passing
    // problem (a lock, a restart) does not cost the day's prune.
    task: 'telemetry__prune',
    match: '0 3 * * *',
    identifier: 'telemetry__prune',
    options: { backfillPeriod: 2 * day, maxAttempts: 10, jobKey: 'telemetry__prune', jobKeyMode: 'replace' },
  },
];
