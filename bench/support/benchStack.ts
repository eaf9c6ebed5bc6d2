// What the API benches stand on: a throwaway cluster, a keyring file, the TinyBERT-shaped
// model, tenants of sealed chunks, a token per tenant, and memvault started as `npm start`
// runs it (benchServer). close() removes all of it.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { SignJWT } from "jose";
import pg from "pg";
import { writeTestModel } from "../../scripts/testModels.ts";
import { pgBinDir, readDbConfig } from "../../src/config/dbConfig.ts";
import { newKeyringDocument, parseKeyring } from "../../src/crypto/keyring.ts";
import { roleUrl } from "../../src/db/localCluster.ts";
import { createThrowawayCluster } from "../../src/db/throwawayCluster.ts";
import { startBenchServer, type BenchServer } from "./benchServer.ts";
import { seedSealedTenants } from "./seedSealedTenants.ts";
import { vectorSource } from "./vectors.ts";

export interface BenchStack {
  server: BenchServer;
  subs: string[];
  tokens: string[];
  keyringFile: string;
  authenticatorUrl: string;
  /** memvault_operator's and the superuser's connections to the bench database. */
  operatorUrl: string;
  rootUrl: string;
  /** The TinyBERT-shaped model the worker serves (RERANK_MODEL_DIR). */
  modelDir: string;
  /** A token for another user of the same API (no seeded rows). */
  mint(sub: string): Promise<string>;
  close(): Promise<void>;
}

const DATABASE = "memvault_bench";

export interface BenchStackOptions {
  prefix: string;
  tenants: number;
  rows: number;
  serverEnv?: Record<string, string>;
  tagsFor?: (tenant: number, row: number) => string[];
  textFor?: (tenant: number, row: number) => string;
  keywordTerms?: boolean;
  log: (line: string) => void;
}

export async function startBenchStack(opts: BenchStackOptions): Promise<BenchStack> {
  const cluster = await createThrowawayCluster({ pgBin: pgBinDir(), databaseName: DATABASE, prefix: opts.prefix, log: opts.log });
  const root = new pg.Client({ connectionString: roleUrl(cluster.state, "root", DATABASE) });
  let server: BenchServer | undefined;
  const close = async () => {
    await server?.stop();
    await root.end().catch(() => {});
    cluster.destroy();
  };
  try {
    const keyringFile = path.join(cluster.state.home, "bench-keyring.json");
    const keyringDoc = newKeyringDocument();
    fs.writeFileSync(keyringFile, JSON.stringify(keyringDoc), { mode: 0o600 });
    const modelDir = path.join(cluster.state.home, "tinybert");
    writeTestModel("tinybert", modelDir);
    const secretHex = randomBytes(32).toString("hex");
    const secret = new TextEncoder().encode(secretHex);
    await root.connect();
    const dims = readDbConfig().EMBEDDING_DIM;
    const subs = Array.from({ length: opts.tenants }, (_, i) => `bench-user-${i}`);
    await seedSealedTenants(root, parseKeyring("bench", JSON.stringify(keyringDoc)), { subs, rows: opts.rows, dims, next: vectorSource("clustered", dims, 11), ...(opts.tagsFor ? { tagsFor: opts.tagsFor } : {}), ...(opts.textFor ? { textFor: opts.textFor } : {}), keywordTerms: opts.keywordTerms ?? false });
    const tokens = await Promise.all(subs.map((sub) => new SignJWT({ sub, aud: "memvault-bench" }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("3h").sign(secret)));
    opts.log("starting memvault as npm start runs it (the API, and the worker in its own process)");
    server = await startBenchServer({
      DATABASE_URL: roleUrl(cluster.state, "owner", DATABASE),
      ROOT_DATABASE_URL: roleUrl(cluster.state, "root", "postgres"),
      WORKER_DATABASE_URL: roleUrl(cluster.state, "worker", DATABASE),
      AUTHENTICATOR_DATABASE_URL: roleUrl(cluster.state, "authenticator", DATABASE),
      MEMVAULT_KEYRING_FILE: keyringFile,
      JWT_SECRET: secretHex,
      JWT_AUDIENCE: "memvault-bench",
      RERANK_MODEL_DIR: modelDir,
      ...opts.serverEnv,
    });
    return {
      server,
      subs,
      tokens,
      keyringFile,
      authenticatorUrl: roleUrl(cluster.state, "authenticator", DATABASE),
      operatorUrl: roleUrl(cluster.state, "operator", DATABASE),
      rootUrl: roleUrl(cluster.state, "root", DATABASE),
      modelDir,
      mint: (sub) => new SignJWT({ sub, aud: "memvault-bench" }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("3h").sign(secret),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
