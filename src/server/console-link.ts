// The line `npm start` prints on the embedded default: GraphiQL (and the console) opened with a
// short-lived operator token. The token travels in the URL fragment (#token=…), which browsers
// never send to the server, so it does not end up in access logs or Referer headers.
import { mintOperatorToken } from './auth.ts';

export interface ConsoleLinkOptions {
  host: string;
  port: number;
  jwtSecret: string;
  /** The operator id of the token. Default `local-operator`. */
  sub?: string;
  /** Token lifetime in seconds. Default one hour. */
  ttlSeconds?: number;
  /** The page to open. Default `/graphiql`. */
  path?: string;
}

export async function consoleLink(options: ConsoleLinkOptions): Promise<string> {
  const ttlSeconds = options.ttlSeconds ?? 3600;
  const token = await mintOperatorToken(options.jwtSecret, { sub: options.sub ?? 'local-operator', ttlSeconds });
  const host = options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${options.port}`;
  const minutes = Math.round(ttlSeconds / 60);
  return (
    `open ${origin}${options.path ?? '/graphiql'}#token=${token} ` +
    `(operator token valid ${minutes} min; mint another with \`npm run token -- --sub <you>\`)`
  );
}
