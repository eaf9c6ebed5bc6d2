// GraphQL over Server-Sent Events (the graphql-sse protocol, "distinct connections" mode:
// one POST or GET per operation, answered with an event stream). grafserv has no SSE
// transport for operations, so graphql-sse's protocol handler runs here with grafserv's
// execution config, as the websocket path does: the same schema, context (the request's
// verified tenant), grafast execute/subscribe and error masking. The server verifies the
// token, reads and checks the body and admits the operation before this runs.
import type { IncomingMessage, ServerResponse } from "node:http";
import { createHandler, type OperationArgs, type RequestParams } from "graphql-sse";
import { hookArgs } from "postgraphile/grafast";
import { whenTokenExpires } from "./tokenExpiry.ts";
import type { GrafservBase } from "postgraphile/grafserv";
import type { ExecutionArgs, ExecutionResult, GraphQLError } from "postgraphile/graphql";

type Raw = { req: IncomingMessage; res: ServerResponse };

// graphql-sse's distinct-connections events: the error its clients surface, then the end.
const AUTH_EXPIRED_EVENTS =
  `event: next\ndata: ${JSON.stringify({ errors: [{ message: "the token has expired", extensions: { code: "AUTH_EXPIRED" } }] })}\n\n` + "event: complete\ndata:\n\n";
type Grafast = ExecutionArgs & { execute(a: unknown): unknown; subscribe(a: unknown): unknown };

export interface GraphqlSse {
  /**
   * Serves one checked operation (`body`: query, variables, operationName) as an event stream
   * on res, until the operation completes, the client goes, or the token expires (`exp`,
   * seconds since the epoch): then a last `next` event carries AUTH_EXPIRED, and `complete`.
   */
  serve(req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>, exp: number): Promise<void>;
}

export function createGraphqlSse(serv: GrafservBase): GraphqlSse {
  const mask = (errors: readonly GraphQLError[]) => errors.map((e) => serv.dynamicOptions.maskError(e) as GraphQLError);
  const handler = createHandler<Raw, undefined, Record<string, unknown>>({
    // No stream tokens: "single connection" mode (reservations across requests) is off.
    authenticate: () => null,
    async onSubscribe(request, params: RequestParams): Promise<OperationArgs<Record<string, unknown>> | ExecutionResult> {
      const requestContext = { node: { req: request.raw.req, res: request.raw.res } } as unknown as Partial<Grafast.RequestContext>;
      const { schema, parseAndValidate, resolvedPreset, execute, subscribe, contextValue } = await serv.getExecutionConfig(requestContext);
      const { errors, document } = parseAndValidate(params.query);
      if (errors !== undefined) return { errors: mask(errors) };
      const args = {
        execute,
        subscribe,
        schema,
        document,
        rootValue: null,
        contextValue,
        variableValues: params.variables ?? null,
        operationName: params.operationName ?? null,
        resolvedPreset,
        requestContext,
        middleware: serv.grafastMiddleware,
      };
      await hookArgs(args as never);
      return args as unknown as OperationArgs<Record<string, unknown>>;
    },
    execute: (args) => (args as unknown as Grafast).execute(args) as never,
    subscribe: (args) => (args as unknown as Grafast).subscribe(args) as never,
    onNext: (_ctx, _req, result) => ("errors" in result && result.errors ? { ...result, errors: mask(result.errors) } : undefined),
  });

  return {
    async serve(req, res, body, exp) {
      const [stream, init] = await handler({
        method: req.method!,
        url: req.url!,
        headers: {
          get(key: string) {
            const value = req.headers[key];
            return Array.isArray(value) ? value.join("\n") : value;
          },
        },
        body,
        raw: { req, res },
        context: undefined,
      });
      res.writeHead(init.status, init.statusText, init.headers as Record<string, string>);
      if (!stream || typeof stream === "string") return void res.end(stream ?? undefined);
      // A client that goes away ends the operation (and its subscription) at once.
      res.once("close", () => void stream.return(undefined));
      let expired = false;
      const cancelExpiry = whenTokenExpires(exp, () => {
        expired = true;
        void stream.return(undefined);
      });
      try {
        for await (const message of stream) {
          if (!res.writable || expired) break;
          await new Promise<void>((resolve, reject) => res.write(message, (err) => (err ? reject(err) : resolve())));
        }
      } finally {
        cancelExpiry();
      }
      if (expired && res.writable) res.write(AUTH_EXPIRED_EVENTS);
      res.end();
    },
  };
}
