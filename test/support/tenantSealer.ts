// A tenant's sealer as the API and the worker get one: its keys read (and unwrapped by the
// configured KEK provider) in a tenant transaction, then TenantKeys.sealer. For tests that
// open what the worker sealed.
import pg from "pg";
import type { KeyringProvider } from "../../src/crypto/keyringProvider.ts";
import type { Sealer } from "../../src/crypto/seal.ts";
import { withTenant } from "../../src/db/withTenant.ts";
import { openTenantKeys } from "../../src/keys/openTenantKeys.ts";
import type { TenantKeys } from "../../src/keys/tenantKeys.ts";

export async function tenantSealer(url: string, keyrings: KeyringProvider | TenantKeys, userHash: string): Promise<Sealer> {
  const keys = "prepare" in keyrings ? keyrings : openTenantKeys(keyrings);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await withTenant(client, { userHash }, (tx) => keys.prepare(tx, userHash));
  } finally {
    await client.end();
  }
  return keys.sealer(userHash);
}
