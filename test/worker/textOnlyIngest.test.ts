// Server-side embedding when the embedder is missing, failing or slow: text-only writes
// wait in chunk_ingest with a coded reason (visible in memory(id)), memories that came with
// an embedding are sealed as usual, text-only searches fail with a code, and once the
// embedder answers every waiting memory is sealed exactly once. Nothing is lost.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { instrumentEmbedder } from "../../src/embed/createEmbedderFromConfig.ts";
import { createEmbedMetrics } from "../../src/embed/embedMetrics.ts";
import { loadBiEncoder } from "../../src/embed/biEncoder.ts";
import { createRemoteEmbedder } from "../../src/embed/remoteEmbedder.ts";
import type { Embedder } from "../../src/embed/embedder.ts";
import { useApiFixture, vec } from "../support/apiFixture.ts";
import { makeModelDirs } from "../support/testModelDirs.ts";
import { asIdentity } from "../support/tenant.ts";
import { waitFor } from "../support/waitFor.ts";
import { useKeyringDatabase } from "../support/keyringDatabase.ts";
import { startWorker } from "../support/workerProcess.ts";

const fx = useKeyringDatabase();
const models = makeModelDirs(["wordhash"]);
let mode: "down" | "up" | "slow" = "down";
let server: http.Server;
let url = "";
let local: Embedder;

// A text-embeddings-inference server on loopback: /embed, backed by the word-hash model.
beforeAll(async () => {
  local = await loadBiEncoder({ modelDir: models.dir("wordhash"), maxLength: 128, batchSize: 16, threads: 1, device: "cpu" });
  server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (mode === "down") return void res.writeHead(503).end();
    if (mode === "slow") await new Promise((r) => setTimeout(r, 2_000));
    const { inputs } = JSON.parse(Buffer.concat(chunks).toString()) as { inputs: string[] };
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify((await local.embed(inputs)).map((v) => Array.from(v))));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await local.close();
  models.remove();
});

const t = useApiFixture(fx, {
  createEmbedder: async (registry: Registry) => instrumentEmbedder(createRemoteEmbedder(url, { timeoutMs: 10_000 }), undefined, 384, createEmbedMetrics(registry)),
  embedQueryBudgetMs: 500,
});

const REMEMBER_MANY = `mutation($inputs: [RememberInput!]!) { rememberMany(inputs: $inputs) { id } }`;
const MEMORY = `query($id: String!) { memory(id: $id) { status updatePending lastError attempts memory { text } } }`;
const SEARCH = `query($q: String!) { search(query: $q, k: 3) { hits { memory { id text } } } }`;
/** A search that needs the query embedded (without a mode, a query falls back to keyword search when the embedder fails). */
const VECTOR_SEARCH = `query($q: String!) { search(query: $q, mode: VECTOR, k: 3) { hits { memory { id text } } } }`;

describe("text-only memories without a working embedder", () => {
  it("wait with a reason, seal once the embedder answers, and never get lost", async () => {
    const auth = `Bearer ${await t.token("carol")}`;
    const gql = async (query: string, variables: Record<string, unknown>) => (await t.gql(auth, query, variables)).body;
    const state = async (id: string) => (await gql(MEMORY, { id })).data.memory;

    // 1. A worker with no model at all.
    const noModel = await startWorker(fx.db, { MEMVAULT_KEYRING_FILE: fx.keyringFile, EMBEDDER_MODEL_DIR: "/nonexistent/memvault-model" });
    const first = (await gql(REMEMBER_MANY, { inputs: [{ text: "carol keeps her passport in the blue drawer" }, { text: "carol's embedding came along", embedding: vec(3) }] })).data.rememberMany;
    await waitFor("the embedded memory to be sealed", async () => (await state(first[1].id)).status === "sealed");
    await waitFor("the text-only memory to record why it waits", async () => (await state(first[0].id)).lastError === "EMBEDDER_UNAVAILABLE");
    expect(await state(first[0].id)).toMatchObject({ status: "pending", memory: null });
    expect(noModel.logs()).toContain("server-side embedding off");
    await noModel.stop();

    // 2. A worker whose embedding server is down; the API's is the same server.
    const remote = await startWorker(fx.db, { MEMVAULT_KEYRING_FILE: fx.keyringFile, EMBEDDER_URL: url });
    const second = (await gql(REMEMBER_MANY, { inputs: [{ text: "carol's cat is called pixel" }] })).data.rememberMany;
    await waitFor("the second to record why it waits", async () => (await state(second[0].id)).lastError === "EMBEDDER_REMOTE");
    expect((await gql(VECTOR_SEARCH, { q: "passport" })).errors?.[0]?.extensions?.code).toBe("EMBEDDER_REMOTE");
    // Without a mode the search fails open to its keyword leg, which finds the sealed memory by its words.
    expect((await gql(SEARCH, { q: "embedding came along" })).data.search.hits[0].memory.text).toBe("carol's embedding came along");
    // An update with new text (to embed) of a sealed memory waits too; readers keep the old version.
    expect((await gql(`mutation($id: String!) { update(id: $id, patch: { text: "carol's new embedding-free text" }) { status } }`, { id: first[1].id })).data.update.status).toBe("pending");
    await waitFor("the update to record why it waits", async () => (await state(first[1].id)).lastError === "EMBEDDER_REMOTE");
    expect(await state(first[1].id)).toMatchObject({ status: "sealed", updatePending: true, memory: { text: "carol's embedding came along" } });
    // A row a DBA inserted with plain SQL and no embedding waits the same way.
    const userHash = (await fx.root.query("select distinct user_hash from memvault.chunk_ingest")).rows[0].user_hash as string;
    const dbaId = await asIdentity(fx.root, { role: "memvault_user", userHash }, async (c) => (await c.query("insert into memvault.chunk_ingest (text) values ('carol ordered new passport photos') returning id::text")).rows[0].id as string, { commit: true });
    // Slow: the API's query embedding has 500 ms.
    mode = "slow";
    expect((await gql(VECTOR_SEARCH, { q: "passport" })).errors?.[0]?.extensions?.code).toBe("EMBED_TIMEOUT");

    // 3. The server answers again: every waiting memory is sealed, exactly once, and found.
    mode = "up";
    const ids = [first[0].id, second[0].id, dbaId];
    await waitFor("every waiting memory to be sealed", async () => (await fx.root.query("select count(*)::int as n from memvault.memory_chunks where id = any($1)", [ids])).rows[0].n === 3, 60_000);
    expect((await fx.root.query("select count(*)::int as n from memvault.memory_chunks")).rows[0].n).toBe(4);
    const hits = (await gql(SEARCH, { q: "where is the passport" })).data.search.hits.map((h: { memory: { text: string } }) => h.memory.text);
    expect(hits.slice(0, 2).sort()).toEqual(["carol keeps her passport in the blue drawer", "carol ordered new passport photos"]);
    expect((await state(second[0].id)).memory.text).toBe("carol's cat is called pixel");
    await waitFor("the update to be sealed", async () => (await state(first[1].id)).updatePending === false, 60_000);
    expect((await state(first[1].id)).memory.text).toBe("carol's new embedding-free text");
    expect((await fx.root.query("select count(*)::int as n from memvault.chunk_ingest")).rows[0].n).toBe(0);
    await remote.stop();
  }, 120_000);
});
