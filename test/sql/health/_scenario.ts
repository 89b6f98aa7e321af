// Shared by the health tests: run a scenario in a rolled-back transaction, building as the
// owner and reading as the system operator (the console's role).
import type pg from 'pg';
import { as, type TestDatabase } from '../../helpers/database.ts';
import { become } from '../../helpers/health-world.ts';

export interface Scenario {
  c: pg.PoolClient;
  /** Read as the system operator from here on. */
  asOperator(): Promise<void>;
  /** Back to the owner (to write truth or change health.settings). */
  asOwner(): Promise<void>;
}

export function scenario<T>(db: TestDatabase, fn: (s: Scenario) => Promise<T>): Promise<T> {
  return as(db.pool, { role: 'tp_owner' }, (c) =>
    fn({ c, asOperator: () => become(c, 'tp_system_operator'), asOwner: () => become(c, 'tp_owner') }));
}
