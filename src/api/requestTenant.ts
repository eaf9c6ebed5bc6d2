// The verified tenant of a request, on the GraphQL context: the server puts it there after
// the bearer token was verified; every field's plan reads it.
import type { WithTenant } from "../db/withTenant.ts";

export interface RequestTenant {
  userHash: string;
  withTenant: WithTenant;
}

declare global {
  namespace Grafast {
    interface Context {
      memvault?: RequestTenant;
    }
  }
}

export function tenantOf(ctx: Grafast.Context): RequestTenant {
  // The HTTP layer answers 401 before GraphQL runs; this is the second lock.
  if (!ctx.memvault) throw new Error("unauthenticated request reached GraphQL");
  return ctx.memvault;
}
