// Identity switching as production does it: transaction-local role and tenant.
import { createHash } from "node:crypto";
import type pg from "pg";
import { withRoleFrom, withTenantFrom } from "../../src/db/withTenant.ts";

/** A well-formed user_hash for tests (not the app's HMAC: the schema only checks the format). */
export const tenantHash = (name: string) => createHash("sha256").update(`test tenant ${name}`).digest("hex");

export interface Identity {
  role: string;
  /** undefined: app.user_hash is never set in the transaction. */
  userHash?: string;
}

/** What asIdentity throws to roll back a transaction that succeeded (production helpers commit). */
class RollBack {
  readonly value: unknown;
  constructor(value: unknown) {
    this.value = value;
  }
}

/**
 * Runs fn in a transaction as the given role and tenant, through the production tenant
 * transaction (src/db/withTenant.ts), then rolls back unless commit is set.
 */
export async function asIdentity<T>(pool: pg.Pool, who: Identity, fn: (client: pg.ClientBase) => Promise<T>, opts: { commit?: boolean } = {}): Promise<T> {
  const run = async (tx: pg.ClientBase) => {
    const value = await fn(tx);
    if (opts.commit) return value;
    throw new RollBack(value);
  };
  try {
    return who.userHash === undefined ? await withRoleFrom(pool, who.role, run) : await withTenantFrom(pool, { userHash: who.userHash, role: who.role })(run);
  } catch (err) {
    if (err instanceof RollBack) return err.value as T;
    throw err;
  }
}
