// Connection pools that log, rather than crash on, a connection lost while idle or checked out
// (e.g. Postgres restarting).
import pg from 'pg';

export function createPool(connectionString: string, max: number, log: (line: string) => void): pg.Pool {
  const pool = new pg.Pool({ connectionString, max });
  pool.on('error', (error) => log(`database connection lost: ${error.message}`));
  pool.on('connect', (client) => client.on('error', (error) => log(`database connection lost: ${error.message}`)));
  return pool;
}
