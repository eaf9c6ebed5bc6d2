import type { WithTenant } from "../db/withTenant.ts";
import type { TenantKeys } from "./tenantKeys.ts";

/**
 * Each transaction of `withTenant` starts by reading the tenant's keys (TenantKeys.prepare):
 * what it seals, opens and hashes is under the keys that exist at that moment, and an
 * erasing tenant's transaction sees nothing.
 */
export function withTenantKeys(withTenant: WithTenant, keys: TenantKeys, userHash: string): WithTenant {
  return (fn) =>
    withTenant(async (tx) => {
      await keys.prepare(tx, userHash);
      return fn(tx);
    });
}
