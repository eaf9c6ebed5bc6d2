// What a GraphQL error may tell a client: memvault's own coded errors and grafast's safe
// errors as they are; GraphQL's request errors (syntax, validation, variable coercion) as
// GRAPHQL_VALIDATION_FAILED; a statement timeout as DB_TIMEOUT; an unreachable Citus node
// as DB_UNAVAILABLE; anything else "Internal error" (INTERNAL), logged with its code and
// path, never SQL, a stack or a value.
import { isSafeError } from "postgraphile/grafast";
import { GraphQLError } from "postgraphile/graphql";
import type { Logger } from "pino";
import { CodedError } from "../codedError.ts";

export function createMaskError(logger: Logger, count: (code: string) => void): (error: GraphQLError) => GraphQLError {
  return (error) => {
    const original = error.originalError;
    const code = codeOf(error);
    count(code);
    if (original instanceof CodedError || (original && isSafeError(original))) return error;
    // Refusals memvault itself built (the websocket gate) already carry their code.
    if (!original && typeof error.extensions?.code === "string") return error;
    if (!original && !error.path) {
      // GraphQL's own request errors (syntax, validation, variable coercion): the
      // client's doing. Its message names the client's own input, never server state.
      return new GraphQLError(error.message.slice(0, 500), {
        ...(error.nodes ? { nodes: error.nodes } : {}),
        extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
      });
    }
    const pgCode = (original as { code?: string } | undefined)?.code;
    if (pgCode === "57014") {
      return new GraphQLError("the database took too long", { ...(error.path ? { path: error.path } : {}), extensions: { code: "DB_TIMEOUT" } });
    }
    if (isUnavailable(pgCode)) {
      // On Citus: the node holding this tenant's shard is down (08xxx from the coordinator).
      // Other tenants are unaffected; nothing was half-written (the transaction rolled back).
      logger.warn({ code: pgCode, path: error.path?.join("."), operation: error.path?.[0] }, "the database node holding this tenant's data is unreachable");
      return new GraphQLError("this tenant's data is unreachable right now; retry later", { ...(error.path ? { path: error.path } : {}), extensions: { code: "DB_UNAVAILABLE" } });
    }
    // Database and internal errors never reach clients: no SQL, no stack, no values.
    logger.error({ code: pgCode ?? "INTERNAL", path: error.path?.join("."), operation: error.path?.[0] }, "internal error in a GraphQL request");
    return new GraphQLError("Internal error", {
      ...(error.nodes ? { nodes: error.nodes } : {}),
      ...(error.path ? { path: error.path } : {}),
      extensions: { code: "INTERNAL" },
    });
  };
}

/** A stable code for every error GraphQL reports (a bounded set: metrics label by it). */
export function codeOf(error: GraphQLError): string {
  const original = error.originalError;
  if (!original && typeof error.extensions?.code === "string" && /^[A-Z_]{1,40}$/.test(error.extensions.code)) return error.extensions.code;
  if (original instanceof CodedError) return String(original.code);
  const safe = original && isSafeError(original) ? (original.extensions as { code?: unknown } | undefined)?.code : undefined;
  if (typeof safe === "string" && /^[A-Z_]{1,40}$/.test(safe)) return safe;
  if (!original && !error.path) return "GRAPHQL_VALIDATION_FAILED";
  const pgCode = (original as { code?: string } | undefined)?.code;
  if (pgCode === "57014") return "DB_TIMEOUT";
  if (isUnavailable(pgCode)) return "DB_UNAVAILABLE";
  return "INTERNAL";
}

/** SQLSTATE class 08 (connection exception): a Citus worker node the query needed is unreachable. */
function isUnavailable(pgCode: string | undefined): boolean {
  return typeof pgCode === "string" && pgCode.startsWith("08");
}
