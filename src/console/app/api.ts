/// <reference lib="dom" />
// The console's only door to data: POST /graphql with the operator's Bearer token.
// The token lives in sessionStorage (this browser tab's session), never in a cookie or the URL.

const tokenKey = 'tenantpulse.operatorToken';

export function readToken(): string | null {
  try {
    return sessionStorage.getItem(tokenKey);
  } catch {
    return null;
  }
}

export function saveToken(token: string): void {
  sessionStorage.setItem(tokenKey, token.trim());
}

export function forgetToken(): void {
  sessionStorage.removeItem(tokenKey);
}

/**
 * Takes a token handed over in the URL fragment (`/system#token=...`, the link `npm start`
 * prints): stores it and removes it from the address bar and history. The fragment never
 * reaches the server.
 */
export function adoptTokenFromFragment(): void {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ''));
  const token = fragment.get('token');
  if (!token) return;
  saveToken(token);
  history.replaceState(history.state, '', location.pathname + location.search);
}

/** The API refused the token (HTTP 401/403): the page shows the sign-in prompt. */
export class SignInRequired extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Anything else that went wrong: the page says what, and offers to retry. */
export class ApiError extends Error {}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: Array<{ message: string }>;
}

/** POSTs a query; a refused token is SignInRequired, an unreachable server or a non-GraphQL answer ApiError. */
async function post<T>(query: string, variables: Record<string, unknown>): Promise<{ response: Response; body: GraphQLResponse<T> }> {
  const token = readToken();
  if (!token) throw new SignInRequired(401, 'Sign in with an operator token to use the console.');
  let response: Response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
      },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError('The server could not be reached. Check that tenantpulse is running, then retry.');
  }
  if (response.status === 401 || response.status === 403) {
    // The server says why (expired, bad signature, no subject...); the body is read, not trusted to exist.
    const reason = await response.json().then((body: GraphQLResponse<unknown>) => body.errors?.[0]?.message, () => undefined);
    throw new SignInRequired(
      response.status,
      response.status === 401
        ? `The server refused the operator token${reason ? `: ${reason}` : ''}. Sign in again with a fresh token.`
        : 'This token is valid but not an operator token. Sign in with a system operator token.',
    );
  }
  try {
    return { response, body: (await response.json()) as GraphQLResponse<T> };
  } catch {
    throw new ApiError(`The API answered HTTP ${response.status} without a GraphQL response.`);
  }
}

/** Each error message once (every failing field reports its own copy of a statement timeout). */
function messages(body: GraphQLResponse<unknown>): string[] {
  return [...new Set((body.errors ?? []).map((error) => error.message))];
}

const reported = (body: GraphQLResponse<unknown>) => new ApiError(`The API reported an error: ${messages(body).join('; ')}`);

/** The data of a query, or ApiError if any part of it failed. */
export async function graphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const { response, body } = await post<T>(query, variables);
  if (body.errors?.length) throw reported(body);
  if (!response.ok || !body.data) throw new ApiError(`The API answered HTTP ${response.status}.`);
  return body.data;
}

/**
 * The data of a query whose root fields stand alone (the dashboard): a field that failed is null
 * and its error listed, the others are shown. ApiError only when nothing came back.
 */
export async function graphqlPartial<T>(query: string, variables: Record<string, unknown> = {}): Promise<{ data: T; errors: string[] }> {
  const { response, body } = await post<T>(query, variables);
  if (!body.data) {
    throw body.errors?.length ? reported(body) : new ApiError(`The API answered HTTP ${response.status}.`);
  }
  return { data: body.data, errors: messages(body) };
}
