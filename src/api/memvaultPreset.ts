// The GraphQL presets, one place for the server and the schema test. The schema's: the
// amber preset with memvault's plugin, minus Relay's ways back to the root. `Query.query`
// (and `query` on mutation payloads) nests every root field one level down, and `node(id:
// "query")` does the same through the Node interface: a cost model reading the root selection
// would not see the searches below them. memvault has no Relay objects, so nothing needs them.
import type { Logger } from "pino";
import type pg from "pg";
import type {} from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { createMaskError } from "./maskError.ts";
import type { RequestTenant } from "./requestTenant.ts";

export const RELAY_ROOT_PLUGINS = [
  "QueryQueryPlugin",
  "MutationPayloadQueryPlugin",
  "NodePlugin",
  "AddNodeInterfaceToSuitableTypesPlugin",
  "RegisterQueryNodePlugin",
  "NodeAccessorPlugin",
];

export function memvaultSchemaPreset(plugin: GraphileConfig.Plugin): GraphileConfig.Preset {
  return { extends: [PostGraphileAmberPreset], plugins: [plugin], disablePlugins: RELAY_ROOT_PLUGINS };
}

/** The server's preset: the schema preset plus grafserv's settings and the request context. */
export function memvaultServerPreset(opts: {
  plugin: GraphileConfig.Plugin;
  pool: pg.Pool;
  graphiql: boolean;
  maxBodyBytes: number;
  logger: Logger;
  onErrorCode: (code: string) => void;
  /** The verified tenant of an HTTP request or a websocket, as the admission recorded it. */
  tenantOf: (requestOrSocket: object) => RequestTenant | undefined;
}): GraphileConfig.Preset {
  return {
    extends: [memvaultSchemaPreset(opts.plugin)],
    // No schema is introspected for generated CRUD: every field is explicit (the plugin).
    pgServices: [makePgService({ pool: opts.pool, schemas: [] })],
    grafserv: {
      graphqlPath: "/graphql",
      graphiql: opts.graphiql,
      graphiqlPath: "/",
      // Queries over GET, as GraphQL-over-HTTP clients (urql) send them; mutations stay POST.
      graphqlOverGET: true,
      // Websockets are served by createGraphQLWebsocket (auth at connection_init, caps).
      websockets: false,
      maxRequestLength: opts.maxBodyBytes,
      // grafserv keeps parsed documents per query text; fewer than its default 500, since an
      // authenticated client may send distinct documents up to GRAPHQL_MAX_QUERY_BYTES each.
      parseAndValidateCacheSize: 100,
      maskError: createMaskError(opts.logger, opts.onErrorCode),
    },
    grafast: {
      async context(requestContext) {
        const key = (requestContext.ws?.socket as object | undefined) ?? requestContext.node?.req;
        const tenant = key ? opts.tenantOf(key) : undefined;
        return tenant ? { memvault: tenant } : {};
      },
    },
  };
}
