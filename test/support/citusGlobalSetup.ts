// Once per `npm run test:citus`: a real Citus cluster (a coordinator and two worker
// nodes on loopback), one database migrated as on a single node and then distributed by
// `memvault db distribute`'s own code. Citus keeps its metadata per database and a
// template copy would have no shards, so every file shares this database and keeps to
// tenants of its own (test/citus/*: random tenant names per file), one file at a time.
import type { TestProject } from "vitest/node";
import { pgBinDir } from "../../src/config/dbConfig.ts";
import { superuserAppUrl } from "../../src/db/databaseTarget.ts";
import { distributeDatabase } from "../../src/db/distributeDatabase.ts";
import { createThrowawayCluster, type ThrowawayCluster } from "../../src/db/throwawayCluster.ts";
import { createSoftHsm, softHsmExitsCleanly, type SoftHsm } from "../../scripts/softHsmToken.ts";

export const CITUS_DB = "memvault_citus";
/** Few shards keep DDL and moves quick; two nodes get four each. */
export const CITUS_SHARDS = 8;

let cluster: ThrowawayCluster | undefined;
let hsm: SoftHsm | undefined;

export async function setup(project: TestProject): Promise<void> {
  const log = (line: string) => process.stderr.write(`[citus cluster] ${line}\n`);
  cluster = await createThrowawayCluster({ pgBin: pgBinDir(), databaseName: CITUS_DB, prefix: "mvc-", nodes: 3, log });
  const result = await distributeDatabase(superuserAppUrl(cluster.target), { shardCount: CITUS_SHARDS, log });
  if (result.unforcedShards.length || result.nodes !== 2) throw new Error(`distribution is not as expected: ${JSON.stringify(result)}`);
  project.provide("cluster", cluster.state);
  project.provide("templateDatabase", CITUS_DB);
  project.provide("sharedDatabase", true);
  if (softHsmExitsCleanly()) {
    hsm = createSoftHsm();
    project.provide("kek", hsm.env);
  }
}

export async function teardown(): Promise<void> {
  hsm?.remove();
  cluster?.destroy();
}
