// How a Postgres URL is described to a person: host and port, never the password.
export function describeUrl(connectionString: string): string {
  const url = new URL(connectionString);
  return `${url.hostname || 'localhost'}:${url.port || '5432'}/${url.pathname.replace(/^\//, '')}`;
}

/** The same server and login, another database. */
export function urlWithDatabase(connectionString: string, database: string): string {
  const url = new URL(connectionString);
  url.pathname = `/${database}`;
  return url.toString();
}

const unreachableCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNRESET']);

/** Turns a connection failure into one readable sentence; other errors pass through. */
export function explainConnectionError(error: unknown, connectionString: string): Error {
  const code = (error as { code?: string } | null)?.code;
  if (code && unreachableCodes.has(code)) {
    return new Error(`cannot reach Postgres at ${describeUrl(connectionString)} (${code})`);
  }
  if (code === '28P01' || code === '28000') {
    return new Error(`Postgres at ${describeUrl(connectionString)} refused the login: ${(error as Error).message}`);
  }
  if (code === '3D000') {
    return new Error(`Postgres at ${describeUrl(connectionString)}: ${(error as Error).message}`);
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** A fatal error as printed by the commands: the message, then a database error's DETAIL and HINT. */
export function describeFailure(error: unknown): string {
  const { message, detail, hint } = error instanceof Error ? (error as Error & { detail?: string; hint?: string }) : { message: String(error) };
  return [`tenantpulse: ${message}`, detail && `DETAIL: ${detail}`, hint && `HINT: ${hint}`].filter(Boolean).join('\n');
}
