// npm run bench:api: the GraphQL API over HTTP on loopback, loaded with autocannon.
// 10 tenants x 10k sealed chunks (384-dim, clustered), the API and the worker in this
// process, the TinyBERT-L-2-shaped model for reranking.
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { createClient } from "graphql-ws";
import { SignJWT } from "jose";
import pg from "pg";
import { writeTestModel } from "../scripts/testModels.ts";
import { startApiServer } from "../src/api/apiServer.ts";
import { createTokenVerifier } from "../src/api/verifyToken.ts";
import { config } from "../src/config.ts";
import { hmacUser } from "../src/crypto/hmacUser.ts";
import { newKeyringDocument, parseKeyring } from "../src/crypto/keyring.ts";
import { createSealer } from "../src/crypto/seal.ts";
import { roleUrl } from "../src/db/localCluster.ts";
import { createThrowawayCluster } from "../src/db/throwawayCluster.ts";
import { logger } from "../src/logger.ts";
import { embeddingToBytes } from "../src/worker/sealRows.ts";
import { chunkContext } from "../src/crypto/sealContexts.ts";
import { runWorker } from "../src/worker/runWorker.ts";
import { printTable, progress, writeBenchResult } from "./support/benchResult.ts";
import { percentile } from "./support/stats.ts";
import { toPgVector, vectorSource } from "./support/vectors.ts";

const { values } = parseArgs({ options: { tenants: { type: "string", default: "10" }, rows: { type: "string", default: "10000" }, seconds: { type: "string", default: "10" } } });
const TENANTS = Number(values.tenants);
const ROWS = Number(values.rows);
const SECONDS = Number(values.seconds);
const DIMS = config.embeddingDim();
const log = (line: string) => process.stderr.write(`[bench:api] ${line}\n`);

const cluster = await createThrowawayCluster({ pgBin: config.pgBin(), databaseName: "memvault_bench", prefix: "mva-", log });
const keyringDoc = newKeyringDocument();
const keyringFile = path.join(cluster.state.home, "bench-keyring.json");
fs.writeFileSync(keyringFile, JSON.stringify(keyringDoc), { mode: 0o600 });
const keyring = parseKeyring("bench", JSON.stringify(keyringDoc));
const sealer = createSealer(keyring);
const modelDir = path.join(cluster.state.home, "tinybert");
writeTestModel("tinybert", modelDir);
process.env.RERANK_MODEL_DIR = modelDir;
const secret = new TextEncoder().encode(randomBytes(32).toString("hex"));
const root = new pg.Client({ connectionString: roleUrl(cluster.state, "root", "memvault_bench") });
const next = vectorSource("clustered", DIMS, 11);

try {
  await root.connect();
  const subs = Array.from({ length: TENANTS }, (_, i) => `bench-user-${i}`);
  const tokens = await Promise.all(subs.map((sub) => new SignJWT({ sub }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("2h").sign(secret)));

  // Load sealed chunks directly (the ingest path has its own bench), HNSW rebuilt after.
  const { rows: def } = await root.query("select pg_get_indexdef('memvault.memory_chunks_embedding_hnsw'::regclass) as def");
  await root.query("drop index memvault.memory_chunks_embedding_hnsw");
  const words = "memory note about travel work family music food sport health books movies weather plans".split(" ");
  for (const [t, sub] of subs.entries()) {
    const userHash = hmacUser(keyring, sub);
    for (let start = 0; start < ROWS; start += 1000) {
      const batch = Array.from({ length: Math.min(1000, ROWS - start) }, (_, j) => {
        const id = randomUUID();
        const v = toPgVector(next());
        const text = `${words[(start + j) % words.length]} ${words[(t + j) % words.length]} number ${start + j}`;
        const vbin = Buffer.alloc(4 + DIMS * 4);
        vbin.writeUInt16BE(DIMS, 0);
        (JSON.parse(v) as number[]).forEach((x, k) => vbin.writeFloatBE(x, 4 + k * 4));
        return {
          id,
          v,
          text: sealer.seal(Buffer.from(text), chunkContext(userHash, id, "text")),
          meta: sealer.seal(Buffer.from("{}"), chunkContext(userHash, id, "meta")),
          emb: sealer.seal(embeddingToBytes(vbin), chunkContext(userHash, id, "embedding")),
        };
      });
      await root.query(
        `insert into memvault.memory_chunks (user_hash, id, key_version, text_cipher, meta_cipher, emb_cipher, embedding)
         select $1, u.id, $2, u.t, u.m, u.e, u.v::public.vector from unnest($3::uuid[], $4::bytea[], $5::bytea[], $6::bytea[], $7::text[]) as u(id, t, m, e, v)`,
        [userHash, keyring.primaryVersion, batch.map((b) => b.id), batch.map((b) => b.text), batch.map((b) => b.meta), batch.map((b) => b.emb), batch.map((b) => b.v)],
      );
    }
    progress("loading tenants", t + 1, TENANTS);
  }
  log("building the HNSW index");
  await root.query("set max_parallel_maintenance_workers = 0");
  await root.query(def[0].def);
  await root.query("vacuum analyze memvault.memory_chunks");

  const worker = await runWorker({
    connectionString: roleUrl(cluster.state, "worker", "memvault_bench"),
    keyringSource: { variable: "bench", file: keyringFile },
    concurrency: 2,
    batchSize: 500,
    metricsPort: 0,
    metricsHost: "127.0.0.1",
  });
  const api = await startApiServer({
    port: 0,
    host: "127.0.0.1",
    authenticatorUrl: roleUrl(cluster.state, "authenticator", "memvault_bench"),
    verifier: createTokenVerifier({ kind: "secret", secret }),
    keyrings: { current: () => keyring },
    limits: { dims: DIMS, maxTextBytes: 65_536, maxMetaBytes: 16_384 },
    rerankBudgetMs: 1_000,
    graphiql: false,
    operationLimits: config.operationLimits(false),
    maxBodyBytes: config.apiMaxBodyBytes(),
    websocket: config.websocketLimits(),
    logger,
  });

  const queryVectors = Array.from({ length: 200 }, () => Array.from(next()));
  let n = 0;
  const body = (query: string, variables: Record<string, unknown>) => JSON.stringify({ query, variables });
  async function load(label: string, connections: number, make: () => string): Promise<{ p50: number; p95: number; rps: number; errors: number }> {
    const latencies: number[] = [];
    let errors = 0;
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url: `${api.url}/graphql`,
          connections,
          duration: SECONDS,
          requests: [
            {
              method: "POST",
              setupRequest: (req) => ({
                ...req,
                headers: { "content-type": "application/json", authorization: `Bearer ${tokens[n++ % tokens.length]}` },
                body: make(),
              }),
            },
          ],
        },
        (err, res) => (err ? reject(err) : resolve(res)),
      );
      instance.on("response", (_client, status, _bytes, ms) => {
        if (status !== 200) errors++;
        latencies.push(ms);
      });
    });
    log(`${label}: ${result.requests.total} requests, ${errors} errors`);
    return { p50: percentile(latencies, 50), p95: percentile(latencies, 95), rps: result.requests.average, errors };
  }

  const ANN = `query($e: [Float!]!) { search(embedding: $e, k: 8) { hits { distance chunk { id text } } } }`;
  const RERANK = `query($e: [Float!]!, $q: String) { search(embedding: $e, query: $q, k: 8) { reranked hits { score chunk { text } } } }`;
  const REMEMBER = `mutation($i: RememberInput!) { remember(input: $i) { id } }`;
  const results: Record<string, { p50: number; p95: number; rps: number; errors: number }> = {};
  for (const c of [1, 10, 50]) results[`c${c}`] = await load(`ANN search, ${c} connections`, c, () => body(ANN, { e: queryVectors[n % queryVectors.length] }));
  results.rerank = await load("search with rerank, 2 connections", 2, () => body(RERANK, { e: queryVectors[n % queryVectors.length], q: "notes about travel and music" }));
  results.remember = await load("remember, 10 connections", 10, () => body(REMEMBER, { i: { text: "a new memory from the bench", embedding: queryVectors[n % queryVectors.length] } }));

  // Time to first value: a progressive search over graphql-ws, from subscribe to the ANN payload;
  // the reranked payload's arrival is measured too.
  const ttfv: number[] = [];
  const ttFinal: number[] = [];
  const wsClient = createClient({
    url: `${api.url.replace("http", "ws")}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${tokens[0]}` },
  });
  const PROGRESSIVE = `subscription($e: [Float!]!, $q: String) { searchProgress(embedding: $e, query: $q, k: 8) { phase hits { chunk { id } } } }`;
  for (let i = 0; i < 100; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      let first = true;
      wsClient.subscribe(
        { query: PROGRESSIVE, variables: { e: queryVectors[i % queryVectors.length], q: "notes about travel and music" } },
        {
          next: () => {
            (first ? ttfv : ttFinal).push(performance.now() - t0);
            first = false;
          },
          error: reject,
          complete: resolve,
        },
      );
    });
    progress("progressive searches", i + 1, 100);
  }
  await wsClient.dispose();

  // Auth: the verification itself, in process (what every request pays before GraphQL).
  const verifier = createTokenVerifier({ kind: "secret", secret });
  const auth: number[] = [];
  for (let i = 0; i < 2_000; i++) {
    const t0 = performance.now();
    await verifier.verify(`Bearer ${tokens[i % tokens.length]}`);
    auth.push(performance.now() - t0);
  }

  await api.stop();
  await worker.stop();
  const metrics: Record<string, number> = {
    tenants: TENANTS,
    rows_per_tenant: ROWS,
    search_p50_ms_c1: results.c1!.p50,
    search_p95_ms_c1: results.c1!.p95,
    search_p95_ms_c10: results.c10!.p95,
    search_p95_ms_c50: results.c50!.p95,
    search_rps_c10: results.c10!.rps,
    search_rerank_p50_ms: results.rerank!.p50,
    search_rerank_p95_ms: results.rerank!.p95,
    ttfv_p50_ms: percentile(ttfv, 50),
    ttfv_p95_ms: percentile(ttfv, 95),
    progressive_final_p95_ms: percentile(ttFinal, 95),
    auth_p95_ms: percentile(auth, 95),
    remember_per_s: results.remember!.rps,
    errors: Object.values(results).reduce((a, r) => a + r.errors, 0),
  };
  printTable(
    ["measure", "p50 ms", "p95 ms", "req/s", "errors"],
    Object.entries(results).map(([k, r]) => [k, r.p50, r.p95, r.rps, r.errors]),
  );
  process.stdout.write(
    `auth (JWT verify) p95: ${metrics.auth_p95_ms!.toFixed(3)} ms; progressive search: first (ANN) payload p50 ${metrics.ttfv_p50_ms!.toFixed(1)} / p95 ${metrics.ttfv_p95_ms!.toFixed(1)} ms, reranked payload p95 ${metrics.progressive_final_p95_ms!.toFixed(1)} ms\n`,
  );
  process.stdout.write(`wrote ${writeBenchResult("api", metrics)}\n`);
} finally {
  await root.end().catch(() => {});
  cluster.destroy();
}
