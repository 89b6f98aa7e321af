// What a GraphQL client may learn from an error. Our documented errors (SQLSTATE TP001–TP007)
// keep their code, message and detail; invalid argument values (a few class-22 codes) and the
// statement timeout keep their code with a fixed message; everything else from the database is
// masked (no SQL, table, column or constraint names) and logged with an id to find it.
import { createHash, randomUUID } from 'node:crypto';
import { GraphQLError } from 'postgraphile/graphql';
import { isSafeError } from 'postgraphile/grafast';

/** SQLSTATEs raised for argument values rather than by our code (message replaced). */
const argumentErrors: Record<string, string> = {
  '22P02': 'invalid value for an argument',
  '22007': 'invalid date/time value for an argument',
  '22008': 'date/time value out of range for an argument',
  '22003': 'numeric value out of range for an argument',
  '22023': 'invalid value for an argument',
};

const ownCode = /^TP\d{3}$/;

interface DatabaseErrorLike {
  code?: unknown;
  message?: unknown;
  detail?: unknown;
  hint?: unknown;
}

function rebuild(error: GraphQLError, message: string, extensions: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions,
  });
}

export function maskError(error: GraphQLError): GraphQLError {
  const original = error.originalError;
  // Errors of the request itself (parse, validation, limits): about our public schema only.
  if (!original || original instanceof GraphQLError) return error;
  // grafast's own client-facing errors, also when wrapped (e.g. "Query planning error" around
  // "No mutation type found in schema": the API is read-only).
  for (let cause: unknown = original; cause instanceof Error; cause = cause.cause) {
    if (isSafeError(cause)) return rebuild(error, cause.message, { ...(cause.extensions ?? {}) });
  }

  const { code, message, detail, hint } = original as DatabaseErrorLike;
  if (typeof code === 'string' && ownCode.test(code)) {
    const extensions: Record<string, unknown> = { code };
    if (typeof detail === 'string') extensions.detail = detail;
    if (typeof hint === 'string') extensions.hint = hint;
    return rebuild(error, typeof message === 'string' ? message : code, extensions);
  }
  if (typeof code === 'string' && argumentErrors[code]) return rebuild(error, argumentErrors[code], { code });
  if (code === '57014') {
    return rebuild(error, 'the request took too long and was cancelled (statement timeout)', { code });
  }

  const id = randomUUID();
  const hash = createHash('sha1').update(String(original)).digest('base64url').slice(0, 12);
  console.error(`tenantpulse: masked GraphQL error ${id} (hash ${hash}):`, original);
  return rebuild(error, `internal error (reference ${id})`, { code: 'INTERNAL_ERROR', reference: id });
}
