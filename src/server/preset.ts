// The one PostGraphile preset (Amber, no V4 compatibility) used by the server, the tests and the
// benchmark: the `system_api` schema only, read-only, set-returning functions as plain lists,
// documentation from `comment on`, a verified operator per request (see auth.ts), request limits.
import type { IncomingMessage } from 'node:http';
import type pg from 'pg';
import { makePgService } from 'postgraphile/adaptors/pg';
import {
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  type FieldNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'postgraphile/graphql';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
import { operatorOf } from './auth.ts';
import { maskError } from './errors.ts';

/** The only database schema exposed as GraphQL. */
export const exposedSchemas = ['system_api'];

export interface RequestLimits {
  /**
   * Deepest selection allowed. Introspection is exempt (GraphiQL's own query nests `ofType` deeper;
   * graphql-js bounds its recursion through types), but counts toward the other two limits.
   */
  maxDepth: number;
  /** Distinct root fields (each one a SQL function call) per request, aliases included. */
  maxRootFields: number;
  /** Selected fields per request, fragments expanded. */
  maxFields: number;
}

export const defaultLimits: RequestLimits = { maxDepth: 8, maxRootFields: 20, maxFields: 500 };

export interface ApiPresetOptions {
  /** The pool the API uses (the tp_authenticator login in a deployment). Not ended by release. */
  pool: pg.Pool;
  /** Serve Ruru (GraphiQL) at /graphiql. Default: off. */
  graphiql?: boolean;
  /** Answer introspection queries. Default: on. Turn off in production. */
  introspection?: boolean;
  /** statement_timeout of every API transaction, in milliseconds. Default 5000. */
  statementTimeoutMs?: number;
  limits?: Partial<RequestLimits>;
}

/** The per-request settings of a verified operator: role switch + operator id + timeout. */
export function operatorPgSettings(sub: string, statementTimeoutMs: number): Record<string, string> {
  return {
    role: 'tp_system_operator',
    'tenantpulse.operator_id': sub,
    statement_timeout: String(statementTimeoutMs),
  };
}

/** Refuses an operation whose depth, root fields (aliases included) or field count exceed the limits. */
export function requestLimitsRule(limits: RequestLimits): ValidationRule {
  return (context: ValidationContext) => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    const isIntrospection = (field: FieldNode) => field.name.value.startsWith('__') && field.name.value !== '__typename';

    // Walks the selection with fragments expanded, stopping as soon as a limit is exceeded.
    const measure = (root: SelectionSetNode) => {
      let fields = 0;
      let depth = 0;
      const rootKeys = new Set<string>();
      const visit = (set: SelectionSetNode, level: number, visiting: Set<string>, introspecting: boolean): boolean => {
        for (const selection of set.selections) {
          if (fields > limits.maxFields) return false;
          if (selection.kind === Kind.FIELD) {
            const inIntrospection = introspecting || isIntrospection(selection);
            fields += 1;
            if (!inIntrospection) depth = Math.max(depth, level);
            if (level === 1) rootKeys.add((selection.alias ?? selection.name).value);
            if (depth > limits.maxDepth) return false;
            if (selection.selectionSet && !visit(selection.selectionSet, level + 1, visiting, inIntrospection)) return false;
          } else if (selection.kind === Kind.INLINE_FRAGMENT) {
            if (!visit(selection.selectionSet, level, visiting, introspecting)) return false;
          } else {
            const name = selection.name.value;
            const fragment = fragments.get(name);
            if (!fragment || visiting.has(name)) continue; // other rules report these
            visiting.add(name);
            const ok = visit(fragment.selectionSet, level, visiting, introspecting);
            visiting.delete(name);
            if (!ok) return false;
          }
        }
        return true;
      };
      visit(root, 1, new Set(), false);
      return { fields, depth, rootFields: rootKeys.size };
    };

    return {
      OperationDefinition(node) {
        const { fields, depth, rootFields } = measure(node.selectionSet);
        const refuse = (message: string) =>
          context.reportError(new GraphQLError(message, { nodes: [node], extensions: { code: 'REQUEST_TOO_COMPLEX' } }));
        if (depth > limits.maxDepth) refuse(`the query is nested deeper than ${limits.maxDepth} levels`);
        else if (fields > limits.maxFields) refuse(`the query selects more than ${limits.maxFields} fields`);
        else if (rootFields > limits.maxRootFields) {
          refuse(`the query has ${rootFields} top-level fields (aliases included); at most ${limits.maxRootFields} are allowed`);
        }
        return false;
      },
    };
  };
}

export function makeApiPreset(options: ApiPresetOptions): GraphileConfig.Preset {
  const limits = { ...defaultLimits, ...options.limits };
  const introspection = options.introspection ?? true;
  const statementTimeoutMs = options.statementTimeoutMs ?? 5000;

  const plugin: GraphileConfig.Plugin = {
    name: 'TenantpulseSystemApiPlugin',
    version: '1.0.0',
    description: 'Plain list fields without a suffix; request limits; no introspection in production.',
    inflection: {
      replace: {
        // `@behavior -connection +list` (the default below) would name fields `usageFamiliesList`.
        customQueryListField(_previous, _options, details) {
          return this.customQueryField(details);
        },
      },
    },
    grafserv: {
      middleware: {
        setPreset(next, event) {
          event.validationRules.push(requestLimitsRule(limits));
          if (!introspection) event.validationRules.push(NoSchemaIntrospectionCustomRule);
          return next();
        },
      },
    },
  };

  return {
    extends: [PostGraphileAmberPreset],
    plugins: [plugin],
    // Read-only, and no Relay noise (Node interface, nodeId, `query` re-export, first/offset on the
    // small fixed lists): the console addresses rows by their ids and lists take their own limits.
    disablePlugins: [
      'QueryQueryPlugin',
      'PgFirstLastBeforeAfterArgsPlugin',
      'MutationPlugin',
      'PgMutationCreatePlugin',
      'PgMutationUpdateDeletePlugin',
      'PgMutationPayloadEdgePlugin',
      'MutationPayloadQueryPlugin',
      'NodePlugin',
    ],
    pgServices: [
      makePgService({ pool: options.pool, schemas: exposedSchemas, pubsub: false } as Parameters<typeof makePgService>[0]),
    ],
    gather: {
      // Arguments without a default are required (`window: ConsoleWindow!`).
      pgStrictFunctions: true,
    },
    schema: {
      // Set-returning functions become plain lists; nothing is a mutation.
      defaultBehavior: '-connection +list -mutationField -node',
      pgForbidSetofFunctionsToReturnNull: true,
    },
    grafast: {
      explain: false,
      context(requestContext: Partial<Grafast.RequestContext>) {
        const req: IncomingMessage | undefined = requestContext.node?.req;
        const operator = operatorOf(req);
        // http.ts refuses unauthenticated requests before they get here; this is a second lock.
        if (!operator) throw new Error('no verified operator on this request');
        return { pgSettings: operatorPgSettings(operator.sub, statementTimeoutMs) };
      },
    },
    grafserv: {
      graphqlPath: '/graphql',
      graphiql: options.graphiql ?? false,
      graphiqlPath: '/graphiql',
      graphiqlOnGraphQLGET: false,
      graphqlOverGET: false,
      websockets: false,
      watch: false,
      maxRequestLength: 1024 * 1024,
      maskError,
    },
    ruru: {
      htmlParts: {
        // Opening /graphiql#token=<jwt> pre-fills the header. GraphiQL fetches the schema before
        // its header editor has loaded, without headers: a request to /graphql that carries no
        // Authorization header gets the token too, so the docs and completion load at once.
        headerScripts: (original: string) =>
          `${original}\n<script>(function () {\n` +
          `  var match = /(?:^#|&)token=([A-Za-z0-9_\\-.]+)/.exec(location.hash);\n` +
          `  if (!match) return;\n` +
          `  var authorization = 'Bearer ' + match[1];\n` +
          `  RURU_CONFIG.initialHeaders = JSON.stringify({ Authorization: authorization }, null, 2);\n` +
          `  history.replaceState(null, '', location.pathname + location.search);\n` +
          `  var originalFetch = window.fetch;\n` +
          `  window.fetch = function (input, init) {\n` +
          `    var target = new URL(typeof input === 'string' || input instanceof URL ? input : input.url, location.href);\n` +
          `    var headers = new Headers((init && init.headers) || (input instanceof Request ? input.headers : undefined));\n` +
          `    if (target.origin === location.origin && target.pathname === '/graphql' && !headers.has('authorization')) {\n` +
          `      headers.set('authorization', authorization);\n` +
          `      init = Object.assign({}, init, { headers: headers });\n` +
          `    }\n` +
          `    return originalFetch.call(window, input, init);\n` +
          `  };\n` +
          `})();</script>`,
      },
    },
  };
}
