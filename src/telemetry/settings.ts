// Telemetry settings applied at start-up: TENANTPULSE_RETENTION_DAYS overrides
// telemetry.settings.retention_days (SPEC §3.6). Only the owner may change settings, so the
// update runs as tp_owner (the caller's login must be able to SET ROLE to it, as the migrating
// login can).
import type pg from 'pg';

export async function applyRetentionOverride(pool: pg.Pool, days: number): Promise<void> {
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    throw new RangeError(`retention override must be a whole number of days between 1 and 3650, not ${days}`);
  }
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('set local role tp_owner');
    await client.query('update telemetry.settings set retention_days = $1::int', [days]);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
