// One user's tenant as the API sees it, for operator commands (export, tenant erase,
// tenant receipt): memvault_authenticator switching to memvault_user with that user's
// tenant key, each transaction reading the tenant's keys first, so RLS and the tenant's
// keys decide what the command reads.
import { readDbConfig } from "../config/dbConfig.ts";
import { findKeyringSource } from "../crypto/findKeyringSource.ts";
import { hmacUser } from "../crypto/hmacUser.ts";
import { createKeyringProvider, type KeyringProvider } from "../crypto/keyringProvider.ts";
import { createPool } from "../db/createPool.ts";
import { resolveTarget } from "../db/databaseTarget.ts";
import { roleUrl } from "../db/localCluster.ts";
import { withTenantFrom, type WithTenant } from "../db/withTenant.ts";
import { openTenantKeys } from "../keys/openTenantKeys.ts";
import type { TenantKeys } from "../keys/tenantKeys.ts";
import { withTenantKeys } from "../keys/withTenantKeys.ts";
import { logger } from "../logger.ts";
import { CliError } from "./cliError.ts";

export interface TenantSession {
  userHash: string;
  keyrings: KeyringProvider;
  tenantKeys: TenantKeys;
  withTenant: WithTenant;
  close(): Promise<void>;
}

export async function openTenantSession(user: string, label: string): Promise<TenantSession> {
  const db = readDbConfig();
  const keyrings = createKeyringProvider(findKeyringSource(!db.AUTHENTICATOR_DATABASE_URL));
  const userHash = hmacUser(keyrings.current(), user);
  let url = db.AUTHENTICATOR_DATABASE_URL;
  if (!url) {
    const target = await resolveTarget({ start: false });
    if (!target.cluster) throw new CliError("USAGE", "AUTHENTICATOR_DATABASE_URL is required with DATABASE_URL");
    url = roleUrl(target.cluster, "authenticator", target.databaseName);
  }
  const tenantKeys = openTenantKeys(keyrings);
  const pool = createPool({ connectionString: url, max: 1 }, logger, label);
  return {
    userHash,
    keyrings,
    tenantKeys,
    withTenant: withTenantKeys(withTenantFrom(pool, { userHash, role: "memvault_user" }), tenantKeys, userHash),
    async close() {
      await pool.end();
      await tenantKeys.kek.close();
    },
  };
}
