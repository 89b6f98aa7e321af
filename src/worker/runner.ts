// The job runner: graphile-worker in this process, with the tasks and schedule of task-list.ts.
import { Logger, parseCronItems, run, type Runner } from 'graphile-worker';
import type pg from 'pg';
import { cronItems, taskList } from './task-list.ts';

/** Starts the runner on the given pool (the caller ends the pool after `runner.stop()`). */
export async function startJobRunner(pgPool: pg.Pool, log: (line: string) => void): Promise<Runner> {
  const logger = new Logger(() => (level, message) => {
    if (level !== 'debug') log(`worker ${level}: ${message}`);
  });
  return run({
    pgPool,
    concurrency: 2,
    pollInterval: 2000,
    noHandleSignals: true, // main.ts owns shutdown
    logger,
    taskList,
    parsedCronItems: parseCronItems(cronItems),
    // Write outcomes at once: a job completing during graceful shutdown otherwise stays locked
    // for 4 hours, and a failure is otherwise recorded a moment after the task returns.
    preset: { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
  });
}
