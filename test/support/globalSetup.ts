// Once per test run: a throwaway cluster with the template database migrated from
// scratch. Each test file clones the template (test/support/testDatabase.ts).
import type { TestProject } from "vitest/node";
import { pgBinDir } from "../../src/config/dbConfig.ts";
import { createThrowawayCluster, type ThrowawayCluster } from "../../src/db/throwawayCluster.ts";
import type { ClusterState } from "../../src/db/localCluster.ts";
import { createSoftHsm, softHsmExitsCleanly, type KekEnv, type SoftHsm } from "../../scripts/softHsmToken.ts";

export const TEMPLATE_DB = "memvault_template";

declare module "vitest" {
  export interface ProvidedContext {
    cluster: ClusterState;
    templateDatabase: string;
    /** The run's SoftHSM2 token and key-encryption key (scripts/softHsmToken.ts). */
    kek: KekEnv | undefined;
    /** The Citus suite: one distributed database shared by every file (citusGlobalSetup.ts). */
    sharedDatabase?: boolean;
  }
}

let cluster: ThrowawayCluster | undefined;
let hsm: SoftHsm | undefined;

export async function setup(project: TestProject): Promise<void> {
  cluster = await createThrowawayCluster({
    pgBin: pgBinDir(),
    databaseName: TEMPLATE_DB,
    prefix: "mvt-",
    log: (line) => process.stderr.write(`[test cluster] ${line}\n`),
  });
  project.provide("cluster", cluster.state);
  // Every tenant key of the run is wrapped on a real PKCS#11 token (scripts/softHsmToken.ts),
  // where SoftHSM2 lets a Node process exit cleanly; elsewhere (Debian 13) by the keyring, and
  // the PKCS#11 tests say they are skipped and why.
  if (softHsmExitsCleanly()) {
    hsm = createSoftHsm();
    project.provide("kek", hsm.env);
  } else {
    process.stderr.write("[test cluster] SoftHSM2 crashes a Node 24 process at its exit here (scripts/softHsmToken.ts, softHsmExitsCleanly): tenant keys are wrapped by the keyring; the PKCS#11 tests are skipped\n");
  }
  project.provide("templateDatabase", TEMPLATE_DB);
}

export async function teardown(): Promise<void> {
  cluster?.destroy();
  hsm?.remove();
}
