// Every job the runner knows, and when the recurring ones run. One task per file under tasks/,
// named `<area>__<action>`.
import type { CronItem, TaskList } from 'graphile-worker';

export const taskList: TaskList = {};

/** Recurring jobs (times are UTC). */
export const cronItems: CronItem[] = [];
