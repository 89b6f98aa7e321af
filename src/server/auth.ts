// Operator authentication: an HS256 JWT in `Authorization: Bearer <token>`, verified with jose
// before the GraphQL request is read, parsed or allowed near the database.
import type { IncomingMessage } from 'node:http';
import { errors, jwtVerify, SignJWT } from 'jose';

/** The `role` claim that grants the system plane. */
export const operatorRole = 'system_operator';

/** Tokens longer than this are refused unread (a real operator token is ~200 bytes). */
const maxTokenLength = 4096;

export interface Operator {
  /** The operator's id (`sub`); SQL sees it as setting `tenantpulse.operator_id`. */
  sub: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

export type AuthResult =
  | { ok: true; operator: Operator }
  | { ok: false; status: 401 | 403; code: 'UNAUTHENTICATED' | 'FORBIDDEN'; message: string };

/** The HMAC key of a secret string (UTF-8 bytes). */
export function jwtKey(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/**
 * An operator id a token may carry: well-formed text (no lone surrogate, which Postgres cannot
 * take as a setting), at most 200 characters, no control character (a NUL cannot be a setting),
 * and something visible: blank once spaces and invisible format characters (a zero-width space)
 * are taken out counts as no subject.
 */
export function isUsableSubject(sub: unknown): sub is string {
  return typeof sub === 'string' && sub.isWellFormed() && sub.length <= 200 && !/\p{Cc}/u.test(sub)
    && sub.replace(/[\p{Cf}\s]/gu, '') !== '';
}

const refuse = (message: string): AuthResult => ({ ok: false, status: 401, code: 'UNAUTHENTICATED', message });

/**
 * Verifies the Authorization header. Only HS256 is accepted (so `alg: none`, other HMACs and
 * every asymmetric algorithm are refused); `sub`, `exp` and `role` are required, and `role` must
 * be `system_operator` (a valid token of another role gets 403).
 */
export async function authenticate(headers: string | readonly string[] | undefined, key: Uint8Array): Promise<AuthResult> {
  // Node keeps the first of repeated headers in `req.headers`; a request may carry one
  // Authorization (RFC 9110), so two are refused rather than judged by either.
  const all = typeof headers === 'string' ? [headers] : (headers ?? []);
  if (all.length > 1) return refuse('more than one Authorization header');
  const header = all[0];
  if (header === undefined || header === '') return refuse('missing Authorization: Bearer <token> header');
  const match = /^Bearer +([A-Za-z0-9_\-.]+)$/i.exec(header.trim());
  if (!match || match[1]!.length > maxTokenLength) return refuse('malformed Authorization header (expected "Bearer <JWT>")');
  try {
    const { payload } = await jwtVerify(match[1]!, key, {
      algorithms: ['HS256'],
      requiredClaims: ['sub', 'exp', 'role'],
      // no clock tolerance: an expired token is refused from its first second (SPEC §5)
    });
    if (!isUsableSubject(payload.sub)) return refuse('the token has no usable subject (sub)');
    // (JSON's 1e999 parses as Infinity, which jose takes for a time that never comes)
    if (!Number.isFinite(payload.exp)) return refuse('the token is missing or has an invalid exp claim');
    if (payload.role !== operatorRole) {
      return { ok: false, status: 403, code: 'FORBIDDEN', message: `the token's role is not ${operatorRole}` };
    }
    return { ok: true, operator: { sub: payload.sub, exp: payload.exp! } };
  } catch (error) {
    if (error instanceof errors.JWTExpired) return refuse('the token has expired');
    if (error instanceof errors.JWTClaimValidationFailed) return refuse(`the token is missing or has an invalid ${error.claim} claim`);
    if (error instanceof errors.JOSEAlgNotAllowed) return refuse('the token is not signed with HS256');
    if (error instanceof errors.JWSSignatureVerificationFailed) return refuse('the token signature is invalid');
    return refuse('the token is malformed or not signed with HS256');
  }
}

/** Requests that passed `authenticate`, read by the GraphQL context (see preset.ts). */
const verified = new WeakMap<IncomingMessage, Operator>();

export function rememberOperator(req: IncomingMessage, operator: Operator): void {
  verified.set(req, operator);
}

export function operatorOf(req: IncomingMessage | undefined): Operator | undefined {
  return req === undefined ? undefined : verified.get(req);
}

/** Parses a lifetime such as `8h`, `30m`, `45s`, `2d` or a bare number of seconds. */
export function parseTtl(text: string): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!match) throw new Error(`invalid --ttl "${text}" (expected e.g. 30m, 8h, 1d)`);
  const seconds = Number(match[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  if (seconds < 1 || seconds > 30 * 86400) throw new Error(`--ttl must be between 1 second and 30 days (got "${text}")`);
  return seconds;
}

/** Mints an operator token (HS256, `role` = system_operator). */
export async function mintOperatorToken(
  secret: string,
  { sub, ttlSeconds, role = operatorRole }: { sub: string; ttlSeconds: number; role?: string },
): Promise<string> {
  // (the server would refuse any other token as subject-less)
  if (!isUsableSubject(sub)) throw new Error('the operator id (--sub) must be 1 to 200 characters, with something visible and no control characters');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .sign(jwtKey(secret));
}
