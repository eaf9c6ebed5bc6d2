// The GraphQL API over HTTP with a real worker: two tenants end to end, and every way in
// without a valid token gets 401 before any database work.
import { randomBytes } from "node:crypto";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { DIMS, useApiFixture, vec } from "../support/apiFixture.ts";
import { useOverlapWorker } from "../support/overlapWorker.ts";
import { waitFor } from "../support/waitFor.ts";
import { useKeyringDatabase } from "../support/keyringDatabase.ts";

const fx = useKeyringDatabase();
// A burst of 60 requests here tests isolation, not shedding: a generous queue wait.
const t = useApiFixture(fx, { memoryBucket: { poolSize: 10, connections: 7, maxWaitMs: 10_000, maxInflight: 64 } });
const { gql, token, collect } = t;
const worker = useOverlapWorker(fx);
const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");


const REMEMBER = `mutation($input: RememberInput!) { remember(input: $input) { id status } }`;
const MEMORIES = `query { memories(first: 10) { nodes { id text meta error } hasNextPage } }`;

describe("GraphQL API", () => {
  it("answers 401 without a valid token, before touching the database", async () => {
    // Every query the API runs is as memvault_authenticator: none may start during these requests.
    const t0 = (await fx.root.query("select clock_timestamp() as t")).rows[0].t;
    const forged = await new SignJWT({ sub: "alice", aud: "memvault", exp: Math.floor(Date.now() / 1000) + 60 })
      .setProtectedHeader({ alg: "HS256" })
      .sign(new TextEncoder().encode(randomBytes(32).toString("hex")));
    for (const auth of [
      undefined,
      "Bearer nope",
      `Bearer ${await token("alice", { exp: Math.floor(Date.now() / 1000) - 60 })}`, // expired
      `Bearer ${forged}`,
      `Bearer ${await token("alice", { aud: "someone-else" })}`, // wrong audience
      `Bearer ${b64url({ alg: "none", typ: "JWT" })}.${b64url({ sub: "alice", aud: "memvault", exp: Math.floor(Date.now() / 1000) + 60 })}.`, // alg none
    ]) {
      const res = await gql(auth, MEMORIES);
      expect(res.status).toBe(401);
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors?.[0]?.extensions?.code).toMatch(/^AUTH_/);
    }
    const touched = await fx.root.query(
      // The LISTEN connection's liveness probe (pg-listen, every 30 s) is not request work.
      "select count(*)::int as n, string_agg(left(query, 80), ' | ') as q from pg_stat_activity where datname = current_database() and usename = 'memvault_authenticator' and query_start > $1 and query <> 'SELECT pg_backend_pid()'",
      [t0],
    );
    expect(touched.rows[0]).toEqual({ n: 0, q: null });
  });

  it("two tenants: remember, sealed, memories, search with rerank, forget; never each other's", async () => {
    // Tenants of this test alone: the file's other tests write memories of their own.
    const alice = `Bearer ${await token("amelie")}`;
    const bob = `Bearer ${await token("bruno")}`;
    const texts = ["Paris is the capital of France.", "Bananas are yellow.", "Berlin is in Germany."];
    const ids: string[] = [];
    for (const [i, text] of texts.entries()) {
      const r = await gql(alice, REMEMBER, { input: { text, meta: { i }, embedding: vec(i) } });
      expect(r.body.errors).toBeUndefined();
      expect(r.body.data.remember.status).toBe("pending");
      ids.push(r.body.data.remember.id);
    }
    ids.push((await gql(bob, REMEMBER, { input: { text: "bob's secret", embedding: vec(0) } })).body.data.remember.id);
    await waitFor("sealed", async () => (await fx.root.query("select count(*)::int as n from memvault.memory_chunks where id = any($1::uuid[])", [ids])).rows[0].n === 4);

    const a = await gql(alice, MEMORIES);
    expect(a.body.data.memories.nodes.map((n: { text: string }) => n.text).sort()).toEqual([...texts].sort());
    const b = await gql(bob, MEMORIES);
    expect(b.body.data.memories.nodes.map((n: { text: string }) => n.text)).toEqual(["bob's secret"]);

    const search = await gql(alice, `query($e: [Float!]!) { search(embedding: $e, query: "what is the capital of france", k: 2) { reranked rerankSkipReason hits { distance score memory { text } } } }`, { e: vec(1) });
    expect(search.body.errors).toBeUndefined();
    expect(search.body.data.search.reranked).toBe(true);
    expect(search.body.data.search.hits[0].memory.text).toBe("Paris is the capital of France.");

    // Bob cannot find, read or forget Alice's memories, even by id.
    const bobSearch = await gql(bob, `query($e: [Float!]!) { search(embedding: $e, k: 8) { hits { memory { id text } } } }`, { e: vec(0) });
    expect(bobSearch.body.data.search.hits.map((h: { memory: { text: string } }) => h.memory.text)).toEqual(["bob's secret"]);
    expect((await gql(bob, `mutation($id: String!) { forget(id: $id) }`, { id: ids[0] })).body.data.forget).toBe(0);
    expect((await gql(alice, `mutation($id: String!) { forget(id: $id) }`, { id: ids[0] })).body.data.forget).toBe(1);
    const all = await gql(alice, `mutation { forgetAll { sealed pending searches } }`);
    expect(all.body.data.forgetAll).toMatchObject({ sealed: 2 });
    expect((await gql(bob, MEMORIES)).body.data.memories.nodes).toHaveLength(1);
  });

  it("bad input is a GraphQL error with a stable code, nothing written, nothing leaked", async () => {
    const alice = `Bearer ${await token("alice")}`;
    const before = (await fx.root.query("select count(*)::int as n from memvault.chunk_ingest")).rows[0].n;
    for (const [input, code] of [
      [{ text: "x", embedding: [1, 2, 3] }, "EMBEDDING_DIMENSION"],
      [{ text: "", embedding: vec(1) }, "TEXT_EMPTY"],
      [{ text: "x", meta: [1, 2], embedding: vec(1) }, "META_NOT_OBJECT"],
      [{ text: "x", meta: "{not json", embedding: vec(1) }, "META_NOT_OBJECT"],
    ] as const) {
      const r = await gql(alice, REMEMBER, { input });
      expect(r.body.errors?.[0]?.extensions?.code).toBe(code);
      expect(JSON.stringify(r.body)).not.toMatch(/insert into|memvault\.|at .*\.ts/);
    }
    expect((await gql(alice, `query($e: [Float!]!) { search(embedding: $e, k: 51) { reranked } }`, { e: vec(1) })).body.errors?.[0]?.extensions?.code).toBe("K_OUT_OF_RANGE");
    // The size limit is the ingest table's, not the HTTP server's: 64 KiB of text (even as
    // escaped JSON) is accepted, one byte more is TEXT_TOO_LONG.
    const big = "é".repeat(32_768); // 65,536 bytes of UTF-8
    const ok = await gql(alice, REMEMBER, { input: { text: big, embedding: vec(2) } });
    expect(ok.body.data?.remember?.status).toBe("pending");
    const over = await gql(alice, REMEMBER, { input: { text: `${big}x`, embedding: vec(2) } });
    expect(over.body.errors?.[0]?.extensions?.code).toBe("TEXT_TOO_LONG");
    expect((await fx.root.query("select count(*)::int as n from memvault.chunk_ingest where text not like 'é%'")).rows[0].n).toBe(before);
  });

  it("a memory whose seal fails to open is a field error with the seal's code, never another row's text", async () => {
    const ivan = `Bearer ${await token("ivan")}`;
    const r = await gql(ivan, `mutation($i: [RememberInput!]!) { rememberMany(inputs: $i) { id } }`, {
      i: [{ text: "ivan one", embedding: vec(60) }, { text: "ivan two", embedding: vec(61) }],
    });
    const [one, two] = r.body.data.rememberMany.map((x: { id: string }) => x.id);
    await waitFor("sealed", async () => (await fx.root.query("select count(*)::int as n from memvault.chunk_ingest")).rows[0].n === 0);
    // Someone with table access copies row two's text cipher over row one's.
    await fx.root.query("update memvault.memory_chunks set text_cipher = (select text_cipher from memvault.memory_chunks where id = $2) where id = $1", [one, two]);
    const res = await gql(ivan, `query { memories(first: 10) { nodes { id text error } } }`);
    const nodes = res.body.data.memories.nodes as { id: string; text: string | null; error: string | null }[];
    expect(nodes.find((n) => n.id === one)).toMatchObject({ text: null, error: "SEAL_AUTH_FAILED" });
    expect(nodes.find((n) => n.id === two)).toMatchObject({ text: "ivan two", error: null });
    const fieldError = res.body.errors?.find((e: any) => e.path?.at(-1) === "text");
    expect(fieldError?.extensions?.code).toBe("SEAL_AUTH_FAILED");
  });

  it("refuses deep, costly and (when off) introspection queries before planning", async () => {
    const alice = `Bearer ${await token("alice")}`;
    // Depth 10 (the limit is 8): introspection's types nest, and depth is checked first.
    const deep = await gql(alice, `{ __schema { types { fields { type { ${"ofType { ".repeat(5)}name${" }".repeat(5)} } } } } }`);
    expect(deep.body.errors?.[0]?.extensions?.code).toBe("QUERY_TOO_DEEP");
    const wide = await gql(alice, `{ ${Array.from({ length: 201 }, (_, i) => `a${i}: __typename`).join(" ")} }`);
    expect(wide.body.errors?.[0]?.extensions?.code).toBe("QUERY_TOO_COSTLY");
    const intro = await gql(alice, `{ __schema { types { name } } }`);
    expect(intro.body.errors?.[0]?.extensions?.code).toBe("INTROSPECTION_DISABLED");
    expect(intro.body.data ?? null).toBeNull();
    // Within the limits, the same shapes work.
    expect((await gql(alice, `{ memories(first: 1) { nodes { id } } }`)).body.errors).toBeUndefined();
  });

  it("answers a flood of /readyz from a one-second cache, on a connection of its own", async () => {
    const runs = async () => Number(/memvault_api_readiness_checks_total (\d+)/.exec(await (await fetch(t.api.metricsUrl!)).text())?.[1] ?? 0);
    await new Promise((r) => setTimeout(r, 1_100)); // past any earlier check's second
    const before = await runs();
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 200 }, () => fetch(`${t.api.url}/readyz`).then((r) => r.status)));
    const seconds = Math.ceil((Date.now() - started) / 1000);
    expect(answers.every((s) => s === 200)).toBe(true);
    // 200 requests, at most one database check per second they took (plus one at the edge).
    const checks = (await runs()) - before;
    expect(checks).toBeGreaterThanOrEqual(1);
    expect(checks).toBeLessThanOrEqual(seconds + 1);
    expect(checks).toBeLessThan(20);
    // Its own connection: the readiness login, never one the tenants' pool holds.
    const { rows } = await fx.root.query("select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = 'memvault readiness'");
    expect(rows[0].n).toBe(1);
  });

  it("serves /healthz and /readyz; /metrics on its own listener, never on the API port", async () => {
    expect((await fetch(`${t.api.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${t.api.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, database: true, schema: true, keyring: true });
    // Requests of its own, whatever ran before: one served, one without a token.
    expect((await gql(`Bearer ${await token("metered")}`, MEMORIES)).status).toBe(200);
    expect((await gql(undefined, MEMORIES)).status).toBe(401);
    const metrics = await (await fetch(t.api.metricsUrl!)).text();
    expect(metrics).toContain("memvault_api_auth_failures_total");
    expect(metrics).toMatch(/memvault_api_request_seconds_count\{route="\/graphql",operation="memories",status="200"\} [1-9]/);
    expect(metrics).toMatch(/memvault_api_request_seconds_count\{route="\/graphql",operation="none",status="401"\} [1-9]/);
    expect(metrics).toContain("memvault_api_db_pool_connections");
    expect(new URL(t.api.metricsUrl!).port).not.toBe(new URL(t.api.url).port);
    const onApiPort = await fetch(`${t.api.url}/metrics`);
    expect(onApiPort.status).toBe(404);
    expect(await onApiPort.text()).not.toContain("memvault_api_");
  });
});

describe("erasure, pending memories and cursors", () => {
  it("forgetAll right after rememberMany leaves nothing behind, and its counts add up (many tries)", async () => {
    const kim = `Bearer ${await token("kim")}`;
    for (let round = 0; round < 6; round++) {
      const inputs = Array.from({ length: 100 }, (_, i) => ({ text: `kim ${round}/${i}`, embedding: vec(100 + i) }));
      const w = await gql(kim, `mutation($i: [RememberInput!]!) { rememberMany(inputs: $i) { id } }`, { i: inputs });
      expect(w.body.errors).toBeUndefined();
      if (round % 2 === 1) await new Promise((r) => setTimeout(r, 20 * round)); // catch the seal at different moments
      const f = await gql(kim, `mutation { forgetAll { sealed pending } }`);
      const { sealed, pending } = f.body.data.forgetAll;
      expect(sealed + pending, `round ${round}`).toBe(100);
    }
    await waitFor("the worker idle", async () => (await fx.root.query("select count(*)::int as n from graphile_worker.jobs where task_identifier like 'seal%'")).rows[0].n === 0);
    expect((await gql(kim, `{ memories(first: 100) { nodes { id } } }`)).body.data.memories.nodes).toEqual([]);
  });

  it("forget(id) right after remember always forgets it (many tries)", async () => {
    const lea = `Bearer ${await token("lea")}`;
    const ids: string[] = [];
    for (let i = 0; i < 16; i++) {
      const r = await gql(lea, REMEMBER, { input: { text: `lea ${i}`, embedding: vec(200 + i) } });
      const id = r.body.data.remember.id as string;
      ids.push(id);
      if (i % 4 === 3) await new Promise((res) => setTimeout(res, 5 * i));
      expect((await gql(lea, `mutation($id: String!) { forget(id: $id) }`, { id })).body.data.forget, `try ${i}`).toBe(1);
    }
    await waitFor("the worker idle", async () => (await fx.root.query("select count(*)::int as n from graphile_worker.jobs where task_identifier like 'seal%'")).rows[0].n === 0);
    const left = await fx.root.query("select count(*)::int as n from memvault.memory_chunks where id = any($1::uuid[])", [ids]);
    expect(left.rows[0].n).toBe(0);
  });

  it("memory(id): pending until sealed, then the memory; another tenant gets null", async () => {
    const mia = `Bearer ${await token("mia")}`;
    const ned = `Bearer ${await token("ned")}`;
    const MEMORY = `query($id: String!) { memory(id: $id) { id status attempts lastError queuedAt memory { text } } }`;
    await worker.process.stop();
    try {
      const id = (await gql(mia, REMEMBER, { input: { text: "mia's note", embedding: vec(70) } })).body.data.remember.id;
      const pending = (await gql(mia, MEMORY, { id })).body.data.memory;
      expect(pending).toMatchObject({ id, status: "pending", attempts: 0, lastError: null, memory: null });
      expect(Date.parse(pending.queuedAt)).toBeGreaterThan(0);
      expect((await gql(ned, MEMORY, { id })).body.data.memory).toBeNull();
      await worker.start();
      const sealed = await waitFor("sealed", async () => {
        const m = (await gql(mia, MEMORY, { id })).body.data.memory;
        return m?.status === "sealed" ? m : undefined;
      });
      expect(sealed).toMatchObject({ id, status: "sealed", memory: { text: "mia's note" } });
      expect((await gql(ned, MEMORY, { id })).body.data.memory).toBeNull();
    } finally {
      if (worker.process.child.exitCode !== null) await worker.start();
    }
  });

  it("tenant B replaying tenant A's cursor pages through B's own memories only", async () => {
    const ola = `Bearer ${await token("ola")}`;
    const pat = `Bearer ${await token("pat")}`;
    await gql(ola, `mutation($i: [RememberInput!]!) { rememberMany(inputs: $i) { id } }`, { i: [1, 2, 3].map((n) => ({ text: `ola ${n}`, embedding: vec(80 + n) })) });
    await gql(pat, `mutation($i: [RememberInput!]!) { rememberMany(inputs: $i) { id } }`, { i: [1, 2].map((n) => ({ text: `pat ${n}`, embedding: vec(90 + n) })) });
    await waitFor("sealed", async () => (await fx.root.query("select count(*)::int as n from memvault.chunk_ingest")).rows[0].n === 0);
    const page = (await gql(ola, `{ memories(first: 1) { endCursor nodes { text } } }`)).body.data.memories;
    expect(page.endCursor).toBeTruthy();
    const replay = await gql(pat, `query($c: String) { memories(first: 10, after: $c) { nodes { text } } }`, { c: page.endCursor });
    const texts = replay.body.data.memories.nodes.map((n: { text: string }) => n.text);
    expect(texts.every((t: string) => t.startsWith("pat "))).toBe(true);
  });

  it("a zero-vector row already in the table (from before the CHECK) never breaks a search", async () => {
    const quinn = `Bearer ${await token("quinn")}`;
    const id = (await gql(quinn, REMEMBER, { input: { text: "quinn's real memory", embedding: vec(95) } })).body.data.remember.id;
    await waitFor("sealed", async () => (await gql(quinn, `query($id: String!) { memory(id: $id) { status } }`, { id })).body.data.memory?.status === "sealed");
    // An old row: the constraint is NOT VALID precisely so that such rows may exist.
    const client = await fx.root.connect();
    try {
      await client.query("begin");
      await client.query("alter table memvault.memory_chunks drop constraint memory_chunks_embedding_nonzero");
      await client.query(
        `insert into memvault.memory_chunks (user_hash, id, key_version, text_cipher, meta_cipher, emb_cipher, embedding)
         select user_hash, gen_random_uuid(), key_version, text_cipher, meta_cipher, emb_cipher, array_fill(0, array[${DIMS}])::real[]::vector
         from memvault.memory_chunks where id = $1`,
        [id],
      );
      await client.query("alter table memvault.memory_chunks add constraint memory_chunks_embedding_nonzero check (public.vector_norm(embedding) > 0) not valid");
      await client.query("commit");
    } finally {
      client.release();
    }
    const r = await gql(quinn, `query($e: [Float!]!) { search(embedding: $e, k: 5) { hits { distance memory { id } } } }`, { e: vec(95) });
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data.search.hits.map((h: { memory: { id: string } }) => h.memory.id)).toEqual([id]);
  });
});

describe("GraphQL API under load and failure", () => {
  it("two tenants hammering one pool concurrently never see each other's rows", async () => {
    const tokens = { carol: `Bearer ${await token("carol")}`, dave: `Bearer ${await token("dave")}` };
    for (const [name, auth] of Object.entries(tokens)) {
      await gql(auth, `mutation($i: [RememberInput!]!) { rememberMany(inputs: $i) { id } }`, {
        i: Array.from({ length: 5 }, (_, n) => ({ text: `${name} memory ${n}`, embedding: vec(n + (name === "carol" ? 10 : 20)) })),
      });
    }
    await waitFor("sealed", async () => (await fx.root.query("select count(*)::int as n from memvault.chunk_ingest")).rows[0].n === 0);
    // 16 at once per tenant: API_MAX_INFLIGHT_PER_TENANT's default (past it, 429 in_flight).
    const runs = await Promise.all(
      Array.from({ length: 32 }, async (_, i) => {
        const name = i % 2 ? "carol" : "dave";
        const r = await gql(tokens[name], i % 3 ? MEMORIES : `query($e: [Float!]!) { search(embedding: $e, k: 10) { hits { memory { text } } } }`, { e: vec(i) });
        const texts: string[] = i % 3 ? r.body.data.memories.nodes.map((n: { text: string }) => n.text) : r.body.data.search.hits.map((h: { memory: { text: string } }) => h.memory.text);
        return { name, texts };
      }),
    );
    for (const { name, texts } of runs) {
      expect(texts.length).toBeGreaterThan(0);
      expect(texts.every((t) => t.startsWith(`${name} memory`))).toBe(true);
    }
  });

  it("worker stopped: remember still succeeds, search fails open to ANN order with the reason", async () => {
    // Sealed memories of this test's own tenant, written while the worker runs.
    const cleo = `Bearer ${await token("cleo")}`;
    const seeded = (await gql(cleo, `mutation($i: [RememberInput!]!) { rememberMany(inputs: $i) { id } }`, { i: [0, 1, 2].map((n) => ({ text: `cleo memory ${n}`, embedding: vec(n + 10) })) })).body.data.rememberMany.map((m: { id: string }) => m.id);
    await waitFor("seeded", async () => (await fx.root.query("select count(*)::int as n from memvault.memory_chunks where id = any($1::uuid[])", [seeded])).rows[0].n === 3);
    await worker.process.stop();
    const erin = `Bearer ${await token("erin")}`;
    try {
      const r = await gql(erin, REMEMBER, { input: { text: "written while the worker is down", embedding: vec(5) } });
      expect(r.body.data.remember.status).toBe("pending");
      // The rerank job will not run: the caller gets ANN order.
      const s = await gql(cleo, `query($e: [Float!]!) { search(embedding: $e, query: "memory", mode: VECTOR, k: 3) { reranked rerankSkipReason hits { memory { text } } } }`, { e: vec(11) });
      expect(s.body.data.search).toMatchObject({ reranked: false, rerankSkipReason: "timeout" });
      expect(s.body.data.search.hits[0].memory.text).toBe("cleo memory 1"); // its own vector: ANN order
    } finally {
      // The file's other tests, in whatever order they run, find a worker.
      if (worker.process.child.exitCode !== null) await worker.start();
    }
    await waitFor("sealed once the worker is back", async () => {
      const m = await gql(erin, MEMORIES);
      return m.body.data.memories.nodes.some((n: { text: string }) => n.text === "written while the worker is down");
    });
  });
});

describe("GraphQL subscriptions over websockets (graphql-ws)", () => {
  it("progressive search: the ANN order first, then the reranked order", async () => {
    const frank = `Bearer ${await token("frank")}`;
    await gql(frank, `mutation($i: [RememberInput!]!) { rememberMany(inputs: $i) { id } }`, {
      i: ["Bananas are yellow.", "Paris is the capital of France.", "Berlin is in Germany."].map((text, n) => ({ text, embedding: vec(40 + n) })),
    });
    await waitFor("sealed", async () => (await fx.root.query("select count(*)::int as n from memvault.chunk_ingest")).rows[0].n === 0);
    const out = await collect(
      frank,
      `subscription($e: [Float!]!) { searchProgress(embedding: $e, query: "capital of france", mode: VECTOR, k: 3) { phase reranked rerankSkipReason hits { memory { text } } } }`,
      { e: vec(40) },
      2,
    );
    expect(out.errors).toBeUndefined();
    const [ann, final] = out.payloads.map((p) => p.searchProgress);
    expect(ann.phase).toBe("ann");
    expect(ann.hits[0].memory.text).toBe("Bananas are yellow."); // nearest vector
    expect(final).toMatchObject({ phase: "reranked", reranked: true });
    expect(final.hits[0].memory.text).toBe("Paris is the capital of France.");
  });

  it("memorySealed: a tenant hears its own seals only, even when another tenant seals the same id", async () => {
    const gina = `Bearer ${await token("gina")}`;
    const hank = `Bearer ${await token("hank")}`;
    const shared = crypto.randomUUID();
    // Hank holds a memory under the id Gina is about to use (ids are per tenant).
    await gql(hank, REMEMBER, { input: { id: shared, text: "hank's memory", embedding: vec(51) } });
    await waitFor("hank's sealed", async () => (await gql(hank, `query($id: String!) { memory(id: $id) { status } }`, { id: shared })).body.data.memory?.status === "sealed");
    const SUB = `subscription { memorySealed { memory { id text } } }`;
    const hankEvents = collect(hank, SUB, {}, 1, 30_000);
    const ginaEvents = collect(gina, SUB, {}, 1, 30_000);
    await waitFor("both subscribed", async () => {
      const m = await (await fetch(t.api.metricsUrl!)).text();
      return /memvault_api_websockets\{kind="sealed_subscribers"\} (\d+)/.exec(m)?.[1] === "2";
    });
    await gql(gina, REMEMBER, { input: { id: shared, text: "gina's sealed memory", embedding: vec(50) } });
    expect((await ginaEvents).payloads[0].memorySealed.memory).toEqual({ id: shared, text: "gina's sealed memory" });
    // Hank's subscription is alive (it hears his next seal), and heard nothing of Gina's.
    await gql(hank, REMEMBER, { input: { text: "hank's second", embedding: vec(52) } });
    const hanks = await hankEvents;
    expect(hanks.errors).toBeUndefined();
    expect(hanks.payloads.map((p) => p.memorySealed.memory.text)).toEqual(["hank's second"]);
    // Both clients gone: the server let go of both subscribers (none left waiting for a seal).
    await waitFor("unsubscribed", async () => /memvault_api_websockets\{kind="sealed_subscribers"\} 0\n/.test(await (await fetch(t.api.metricsUrl!)).text()));
  });

  it("a subscription without a valid token gets no data", async () => {
    for (const auth of [undefined, "Bearer forged.token.here"]) {
      const out = await collect(auth, `subscription { memorySealed { memory { text } } }`, {}, 1, 3_000);
      expect(out.payloads).toEqual([]);
      // Refused with a coded close, not merely silent until the helper's timeout: a server
      // that accepted the subscription and sent nothing yet must fail this.
      expect(out.errors).not.toBe("timeout");
      expect(out.errors).toMatchObject({ code: 4401, reason: auth ? "AUTH_INVALID" : "AUTH_MISSING" });
    }
  });
});
