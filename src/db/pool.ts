// Connection pools that log, rather than crash on, a connection lost while idle or checked out
// (e.g. Postgres restarting), and give up on a connection Postgres does not complete within
// 10 s (a hung server) instead of waiting forever.
import pg from 'pg';

export function createPool(connectionString: string, max: number, log: (line: string) => void): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 10_000 });
  pool.on('error', (error) => log(`database connection lost: ${error.message}`));
  pool.on('connect', (client) => client.on('error', (error) => log(`database connection lost: ${error.message}`)));
  return pool;
}
