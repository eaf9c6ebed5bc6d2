// The ANN search an API request does, done directly, as its own process:
//   node bench/support/sqlLoad.ts <plan.json> <out.json>
// N connections, each in a closed loop: one tenant transaction (as memvault_user with
// app.user_hash, the tenant's keys read first, as the API's) running search_chunks and the
// fetch of the hits, then opening each hit's text and meta in Node with the tenant's keys
// (the keyring's for rows from before them). The yardstick for api_vs_sql_ratio.
import fs from "node:fs";
import pg from "pg";
import { hmacUser } from "../../src/crypto/hmacUser.ts";
import { parseKeyring } from "../../src/crypto/keyring.ts";
import { openTenantKeys } from "../../src/keys/openTenantKeys.ts";
import { withTenantKeys } from "../../src/keys/withTenantKeys.ts";
import { chunkContext } from "../../src/crypto/sealContexts.ts";
import { withTenantFrom } from "../../src/db/withTenant.ts";
import { searchChunks } from "../../src/sql/searchChunks.ts";
import { selectChunksById } from "../../src/sql/selectChunksById.ts";
import { toPgVector, vectorSource } from "./vectors.ts";

interface SqlPlan {
  authenticatorUrl: string;
  keyringFile: string;
  subs: string[];
  dims: number;
  connections: number;
  seconds: number;
}

const [planFile, outFile] = process.argv.slice(2);
const plan = JSON.parse(fs.readFileSync(planFile!, "utf8")) as SqlPlan;
const keyring = parseKeyring("bench", fs.readFileSync(plan.keyringFile, "utf8"));
const keys = openTenantKeys({ current: () => keyring });
const pool = new pg.Pool({ connectionString: plan.authenticatorUrl, max: plan.connections });
const next = vectorSource("clustered", plan.dims, 11);
const vectors = Array.from({ length: 500 }, () => toPgVector(next()));
const tenants = plan.subs.map((sub) => {
  const userHash = hmacUser(keyring, sub);
  return { userHash, withTenant: withTenantKeys(withTenantFrom(pool, { userHash, role: "memvault_user" }), keys, userHash) };
});

// Connections (and their SCRAM handshakes) are opened before the clock starts, as the API's are.
await Promise.all(Array.from({ length: plan.connections }, () => pool.connect())).then((clients) => clients.forEach((c) => c.release()));
let n = 0;
const latencies: number[] = [];
// One untimed second first (JIT, caches), as the long-running API server has had.
const warm = performance.now() + 1_000;
const end = warm + plan.seconds * 1000;
await Promise.all(
  Array.from({ length: plan.connections }, async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const i = n++;
      const tenant = tenants[i % tenants.length]!;
      const rows = await tenant.withTenant(async (tx) => selectChunksById(tx, tenant.userHash, (await searchChunks(tx, vectors[i % vectors.length]!, 8)).map((c) => c.id)));
      const sealer = keys.sealer(tenant.userHash);
      for (const row of rows) {
        sealer.openSealed(row.text_cipher, chunkContext(tenant.userHash, row.id, "text"));
        JSON.parse(sealer.openSealed(row.meta_cipher, chunkContext(tenant.userHash, row.id, "meta")).toString("utf8"));
      }
      if (t0 >= warm) latencies.push(performance.now() - t0);
    }
  }),
);
await pool.end();
await keys.kek.close();
fs.writeFileSync(outFile!, JSON.stringify({ requests: latencies.length, seconds: plan.seconds, latencies }));
