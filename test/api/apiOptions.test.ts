// The API's options and limits through a real server, each as a client meets it: GraphiQL
// and introspection when enabled, the request body limit (413), the database's statement
// timeout (DB_TIMEOUT), and minScore on reranked searches (a worker scoring with the
// generated overlap model).
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hmacUser } from "../../src/crypto/hmacUser.ts";
import { readApiConfig } from "../../src/config/apiConfig.ts";
import { useApiFixture, vec } from "../support/apiFixture.ts";
import { keyringFrom } from "../support/keyrings.ts";
import { makeModelDirs } from "../support/testModelDirs.ts";
import { waitFor } from "../support/waitFor.ts";
import { useKeyringDatabase } from "../support/keyringDatabase.ts";
import { startWorker, type WorkerProcess } from "../support/workerProcess.ts";

const fx = useKeyringDatabase();
// Before the API connects: its statements time out after 1 s in this database (15 s by default).
beforeAll(async () => {
  await fx.root.query(`alter role memvault_authenticator in database ${pg.escapeIdentifier(fx.db.name)} set statement_timeout = '1s'`);
});
const t = useApiFixture(fx, { graphiql: true, operationLimits: readApiConfig().operationLimits(true), maxBodyBytes: 60_000, rerankBudgetMs: 5_000 });
const models = makeModelDirs(["overlap"]);
let worker: WorkerProcess;

const TEXTS = ["Bananas are yellow and rich in potassium.", "Berlin is a city in Germany.", "Paris is the capital of France."];

beforeAll(async () => {
  worker = await startWorker(fx.db, { MEMVAULT_KEYRING_FILE: fx.keyringFile, RERANK_MODEL_DIR: models.dir("overlap") });
  const auth = `Bearer ${await t.token("scored")}`;
  const stored = await t.gql(auth, `mutation($i: [RememberInput!]!) { rememberMany(inputs: $i) { id } }`, { i: TEXTS.map((text, n) => ({ text, embedding: vec(n) })) });
  expect(stored.body.errors).toBeUndefined();
  await waitFor("sealed", async () => (await fx.root.query("select count(*)::int as n from memvault.chunk_ingest")).rows[0].n === 0);
});
afterAll(async () => {
  await worker?.stop();
  models.remove();
});

describe("options a deployment turns on", () => {
  it("GraphiQL is served at / and introspection answers when enabled", async () => {
    const page = await fetch(`${t.api.url}/`, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/graphiql|ruru/i);
    const schema = await t.gql(`Bearer ${await t.token("introspects")}`, `{ __schema { queryType { name } } }`);
    expect(schema.body).toEqual({ data: { __schema: { queryType: { name: "Query" } } } });
  });
});

describe("limits", () => {
  it("a body over the limit is refused with 413 QUERY_TOO_LARGE before anything runs", async () => {
    const before = (await fx.root.query("select count(*)::int as n from memvault.memory_chunks")).rows[0].n;
    const res = await t.post(`Bearer ${await t.token("big")}`, JSON.stringify({ query: `mutation($i: [RememberInput!]!) { rememberMany(inputs: $i) { id } }`, variables: { i: [{ text: "x".repeat(70_000) }] } }));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text).errors[0].extensions.code).toBe("QUERY_TOO_LARGE");
    expect((await fx.root.query("select count(*)::int as n from memvault.memory_chunks")).rows[0].n).toBe(before);
  });

  it("a statement past the role's statement_timeout answers DB_TIMEOUT, without SQL in it", async () => {
    const holder = await fx.root.connect();
    try {
      // The forget waits on its tenant's write lock, held here, until the timeout ends it.
      await holder.query("select pg_advisory_lock(hashtextextended('memvault:tenant:' || $1::text, 0))", [hmacUser(keyringFrom(fx.doc), "waits")]);
      const res = await t.gql(`Bearer ${await t.token("waits")}`, `mutation { forget(id: "00000000-0000-4000-8000-000000000000") }`);
      expect(res.body.errors?.map((e) => e.extensions?.code)).toEqual(["DB_TIMEOUT"]);
      expect(JSON.stringify(res.body)).not.toMatch(/advisory|select|statement/i);
    } finally {
      await holder.query("select pg_advisory_unlock_all()");
      holder.release();
    }
  });
});

describe("minScore", () => {
  it("drops reranked hits scoring below it, keeps the rest in score order", async () => {
    const auth = `Bearer ${await t.token("scored")}`;
    const SEARCH = `query($m: Float) { search(embedding: ${JSON.stringify(vec(0))}, query: "what is the capital of france", k: 3, minScore: $m) { reranked hits { score memory { text } } } }`;
    const all = (await t.gql(auth, SEARCH, { m: null })).body.data.search;
    expect(all.reranked).toBe(true);
    expect(all.hits).toHaveLength(3);
    const scores = all.hits.map((h: { score: number }) => h.score) as number[];
    expect(all.hits[0].memory.text).toBe(TEXTS[2]);
    // A threshold between the best score and the next keeps the best alone.
    const threshold = (scores[0]! + scores[1]!) / 2;
    const kept = (await t.gql(auth, SEARCH, { m: threshold })).body.data.search;
    expect(kept.hits.map((h: { memory: { text: string } }) => h.memory.text)).toEqual([TEXTS[2]]);
    expect(kept.hits[0].score).toBeGreaterThanOrEqual(threshold);
  });
});
