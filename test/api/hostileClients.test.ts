// The API attacked as a hostile client would: aliases and fragments that multiply work,
// batches, deep and huge documents, invented field names aimed at /metrics, bad input of
// every kind, tokenless and oversized websockets, subscriptions that outlive their token.
// Every refusal is a client error with a stable code, and nothing is written.
import http from "node:http";
import { describe, expect, it } from "vitest";
import { startApiServer, type ApiServerOptions } from "../../src/api/apiServer.ts";
import { createTokenVerifier } from "../../src/api/verifyToken.ts";
import { readApiConfig } from "../../src/config/apiConfig.ts";
import { ConfigError } from "../../src/config/configError.ts";
import { hmacUser } from "../../src/crypto/hmacUser.ts";
import { parseKeyring } from "../../src/crypto/keyring.ts";
import { logger } from "../../src/logger.ts";
import { DIMS, useApiFixture, vec } from "../support/apiFixture.ts";
import { keyringFrom } from "../support/keyrings.ts";
import { waitFor } from "../support/waitFor.ts";
import { useKeyringDatabase } from "../support/keyringDatabase.ts";

const fx = useKeyringDatabase();
const t = useApiFixture(fx);

const REMEMBER = `mutation($input: RememberInput!) { remember(input: $input) { id status } }`;
/** Everything stored, all tenants (tests in a file run one at a time). */
/** One tenant's memories (waiting and sealed) and search requests. */
const rowsOf = async (who: string) => {
  const { rows } = await fx.root.query(
    `select (select count(*)::int from memvault.chunk_ingest where user_hash = $1) + (select count(*)::int from memvault.memory_chunks where user_hash = $1) as n,
            (select count(*)::int from memvault.search_requests where user_hash = $1) as searches`,
    [hmacUser(keyringFrom(fx.doc), who)],
  );
  return rows[0] as { n: number; searches: number };
};
const codes = (body: { errors?: { extensions?: { code?: string } }[] }) => (body.errors ?? []).map((e) => e.extensions?.code);

/** A second server on this file's database, as the fixture's but for `over`. */
const serverOptions = (over: Partial<ApiServerOptions>): ApiServerOptions => ({
  port: 0,
  host: "127.0.0.1",
  authenticatorUrl: fx.db.url("authenticator"),
  verifier: createTokenVerifier({ kind: "secret", secret: t.secret, audience: "memvault" }),
  keyrings: { current: () => parseKeyring("test", JSON.stringify(fx.doc)) },
  limits: { dims: DIMS, maxTextBytes: 65_536, maxMetaBytes: 16_384 },
  rerankBudgetMs: 100,
  graphiql: false,
  operationLimits: readApiConfig().operationLimits(false),
  maxBodyBytes: readApiConfig().API_MAX_BODY_BYTES,
  websocket: readApiConfig().websocketLimits,
  logger,
  ...over,
});

describe("operation budgets count across aliases and fragments", () => {
  it("aliased remembers past the write budget, or two aliased full rememberMany, are refused whole: nothing written", async () => {
    const auth = `Bearer ${await t.token("alias-writer")}`;
    const before = await rowsOf("alias-writer");
    const inputs = Array.from({ length: 100 }, (_, i) => ({ text: `t${i}`, embedding: vec(i + 2) }));
    const many = Array.from({ length: 60 }, (_, i) => `a${i}: remember(input: $input) { id }`).join("\n");
    const r1 = await t.gql(auth, `mutation($input: RememberInput!, $i: [RememberInput!]!) { ${many} m: rememberMany(inputs: $i) { id } }`, {
      input: { text: "x", embedding: vec(1) },
      i: inputs.slice(0, 50),
    });
    expect(r1.status).toBe(400);
    expect(codes(r1.body)).toEqual(["OPERATION_QUOTA"]);
    const forgets = Array.from({ length: 101 }, (_, i) => `f${i}: forget(id: "${crypto.randomUUID()}")`).join(" ");
    expect(codes((await t.gql(auth, `mutation { ${forgets} }`)).body)).toEqual(["OPERATION_QUOTA"]);
    const r2 = await t.gql(auth, `mutation($i: [RememberInput!]!) { a: rememberMany(inputs: $i) { id } b: rememberMany(inputs: $i) { id } }`, { i: inputs });
    expect(codes(r2.body)).toEqual(["OPERATION_QUOTA"]);
    // The same through a fragment spread twice under different aliases.
    const r3 = await t.gql(auth, `mutation($i: [RememberInput!]!) { ...W ...X } fragment W on Mutation { a: rememberMany(inputs: $i) { id } } fragment X on Mutation { b: rememberMany(inputs: $i) { id } }`, { i: inputs });
    expect(codes(r3.body)).toEqual(["OPERATION_QUOTA"]);
    expect(await rowsOf("alias-writer")).toEqual(before);
    // One full rememberMany is within budget.
    const ok = await t.gql(auth, `mutation($i: [RememberInput!]!) { rememberMany(inputs: $i) { id } }`, { i: inputs });
    expect(ok.body.errors).toBeUndefined();
    expect(ok.body.data.rememberMany).toHaveLength(100);
  });

  it("aliased searches with a query beyond the rerank budget enqueue nothing", async () => {
    const auth = `Bearer ${await t.token("alias-searcher")}`;
    const before = (await rowsOf("alias-searcher")).searches;
    const q = Array.from({ length: 3 }, (_, i) => `s${i}: search(embedding: $e, query: "q${i}") { reranked }`).join(" ");
    const r = await t.gql(auth, `query($e: [Float!]!) { ${q} }`, { e: vec(3) });
    expect(codes(r.body)).toEqual(["OPERATION_QUOTA"]);
    const s = Array.from({ length: 11 }, (_, i) => `s${i}: search(embedding: $e, k: 1) { reranked }`).join(" ");
    expect(codes((await t.gql(auth, `query($e: [Float!]!) { ${s} }`, { e: vec(3) })).body)).toEqual(["OPERATION_QUOTA"]);
    expect((await rowsOf("alias-searcher")).searches).toBe(before);
  });

  it("costs a variable's default as if it had been sent (queries and remember inputs)", async () => {
    const auth = `Bearer ${await t.token("defaulter")}`;
    const before = await rowsOf("defaulter");
    const q = Array.from({ length: 3 }, (_, i) => `s${i}: search(embedding: $e, query: $q) { reranked }`).join(" ");
    const r = await t.gql(auth, `query($e: [Float!]!, $q: String = "hidden") { ${q} }`, { e: vec(3) });
    expect(codes(r.body)).toEqual(["OPERATION_QUOTA"]);
    // Defaults are constants: text-only memories (embedded on the server).
    const items = Array.from({ length: 60 }, (_, i) => `{ text: "d${i}" }`).join(", ");
    const w = await t.gql(auth, `mutation($in: [RememberInput!]! = [${items}]) { a: rememberMany(inputs: $in) { id } b: rememberMany(inputs: $in) { id } }`);
    expect(codes(w.body), JSON.stringify(w.body)).toEqual(["OPERATION_QUOTA"]);
    expect(await rowsOf("defaulter")).toEqual(before);
  });

  it("30 levels of doubling fragments (2^30 field visits) are measured once each and refused", async () => {
    const auth = `Bearer ${await t.token("fragments")}`;
    const frags = Array.from({ length: 30 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join("\n");
    const query = `query { ...F0 }\n${frags}\nfragment F30 on Query { memories(first: 1) { hasNextPage } }`;
    const r = await t.gql(auth, query);
    expect(r.status).toBe(400);
    expect(codes(r.body)).toEqual(["QUERY_TOO_COSTLY"]);
  });
});

describe("documents that would exhaust the parser or the metrics", () => {
  it("refuses a batched body (a JSON array of operations)", async () => {
    const auth = `Bearer ${await t.token("batcher")}`;
    const r = await t.post(auth, JSON.stringify([{ query: "{ memories { hasNextPage } }" }, { query: "{ memories { hasNextPage } }" }]));
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text).errors[0].extensions.code).toBe("BATCH_NOT_SUPPORTED");
  });

  it("a query nested 5,000 deep is a client error, not a stack overflow", async () => {
    const auth = `Bearer ${await t.token("nester")}`;
    const deep = "{ memories ".repeat(5000) + "}".repeat(5000);
    const r = await t.gql(auth, deep);
    expect(r.status).toBe(400);
    expect(codes(r.body)).toEqual(["QUERY_TOO_DEEP"]);
    expect(JSON.stringify(r.body)).not.toMatch(/call stack/i);
    const list = `query { search(embedding: ${"[".repeat(5000)}${"]".repeat(5000)}) { reranked } }`;
    expect(codes((await t.gql(auth, list)).body)).toEqual(["QUERY_TOO_DEEP"]);
  });

  it("depth, field count and introspection limits are client errors (400) with codes", async () => {
    const auth = `Bearer ${await t.token("limits")}`;
    const deep = await t.gql(auth, `{ memories { nodes { id } } ${"a: memories { nodes { id } } ".repeat(1)} }`.replace("{ id }", "{ id ".repeat(1)).replace(/\{ id $/, ""));
    void deep;
    const tooDeep = await t.gql(auth, `{ ${"memories { nodes { ".repeat(5)}id${" } }".repeat(5)} }`);
    expect(tooDeep.status).toBe(400);
    expect(codes(tooDeep.body)).toEqual(["QUERY_TOO_DEEP"]);
    const intro = await t.gql(auth, `{ __schema { types { name } } }`);
    expect(intro.status).toBe(400);
    expect(codes(intro.body)).toEqual(["INTROSPECTION_DISABLED"]);
    const many = await t.gql(auth, `{ ${Array.from({ length: 201 }, (_, i) => `f${i}: __typename`).join(" ")} }`);
    expect(many.status).toBe(400);
    expect(codes(many.body)).toEqual(["QUERY_TOO_COSTLY"]);
  });

  it("an invented 64 KB field name never becomes a metrics label", async () => {
    const auth = `Bearer ${await t.token("labeller")}`;
    const name = `x${"y".repeat(65_536)}`;
    const r = await t.gql(auth, `{ ${name} }`);
    expect(r.status).toBeLessThan(500);
    expect(codes(r.body)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    const metrics = await (await fetch(t.api.metricsUrl!)).text();
    expect(metrics).not.toContain("yyyyyyyy");
    expect(metrics.length).toBeLessThan(200_000);
    expect(metrics).toMatch(/memvault_api_errors_total\{code="GRAPHQL_VALIDATION_FAILED"\} \d+/);
  });

  it("serves queries over GET (urql's default) and refuses mutations over GET", async () => {
    const auth = `Bearer ${await t.token("getter")}`;
    const q = await t.gqlGet(auth, `query($n: Int) { memories(first: $n) { hasNextPage } }`, { n: 2 });
    expect(q.status).toBe(200);
    expect(q.body.data.memories.hasNextPage).toBe(false);
    const m = await t.gqlGet(auth, `mutation { forgetAll { sealed } }`);
    expect(m.status).toBe(405);
    expect(codes(m.body)).toEqual(["BAD_REQUEST"]);
    // OPTIONS without a CORS origin configured: a coded 405 too.
    const options = await fetch(`${t.api.url}/graphql`, { method: "OPTIONS" });
    expect(options.status).toBe(405);
    expect(codes((await options.json()) as never)).toEqual(["BAD_REQUEST"]);
  });

  it("refuses a GET that the gate and the executors could read as different operations ('#', a second '?', repeated or unknown parameters)", async () => {
    const auth = `Bearer ${await t.token("splitter")}`;
    const enc = encodeURIComponent;
    const cheap = enc("query A { count }");
    // Introspection is off on this server: an executor that ran B would answer it.
    const hidden = enc("query B { __schema { queryType { name } } }");
    const targets = [
      // WHATWG URL drops the fragment; querystring and split('?') keep it.
      `/graphql?query=${cheap}#%0A${hidden}&operationName=B`,
      `/graphql/stream?query=${cheap}#%0A${hidden}&operationName=B`,
      // graphql-sse reads only up to a second '?'.
      `/graphql/stream?query=${hidden}%20#?query=${cheap}&operationName=A`,
      `/graphql/stream?query=${hidden}&operationName=B?x=1`,
      `/graphql?query=${cheap}&query=${hidden}`,
      `/graphql?query=${cheap}&documentId=abc`,
    ];
    for (const target of targets) {
      const res = await rawGet(target, { authorization: auth, accept: target.startsWith("/graphql/stream") ? "text/event-stream" : "application/json" });
      expect(res.status, target).toBe(400);
      expect(res.body, target).toMatch(/"code":"BAD_REQUEST"/);
      expect(res.body, target).not.toMatch(/queryType/);
    }
  });
});

describe("no root field below the root", () => {
  it("has no Relay Query.query, node or mutation payload query through which searches could nest uncosted", async () => {
    const auth = `Bearer ${await t.token("nester")}`;
    const before = await rowsOf("nester");
    const nested = [
      `query($e: [Float!]) { query { a: search(embedding: $e, query: "x", k: 1) { reranked } } }`,
      `query($e: [Float!]) { node(id: "query") { ... on Query { a: search(embedding: $e, query: "x", k: 1) { reranked } } } }`,
    ];
    for (const doc of nested) {
      const res = await t.gql(auth, doc, { e: vec(3) });
      expect(res.status, doc).toBe(400);
      expect(codes(res.body), doc).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    }
    expect((await rowsOf("nester")).searches).toBe(before.searches);
  });
});

/** A GET with the request-target exactly as given (fetch would drop a '#…' before sending). */
function rawGet(target: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${t.api.url}/`, { method: "GET", path: target, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c.length < 10_000 ? c : ""));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      // A stream that was wrongly admitted: read what it sent first, then let it go.
      setTimeout(() => res.destroy(), 2_000).unref();
      res.on("close", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("bad input: a stable code, nothing written", () => {
  it("answers each malformed value with its code instead of INTERNAL", async () => {
    const sub = "bad-input";
    const auth = `Bearer ${await t.token(sub)}`;
    const before = await rowsOf(sub);
    const e = vec(9);
    const nested = (n: number) => "[".repeat(n) + "]".repeat(n);
    const cases: [string, string, Record<string, unknown>, string][] = [
      ["forget with a non-UUID id", `mutation { forget(id: "not-a-uuid") }`, {}, "BAD_ID"],
      ["forget with the README's placeholder", `mutation { forget(id: "<id>") }`, {}, "BAD_ID"],
      ["remember with a non-UUID id", REMEMBER, { input: { id: "42", text: "x", embedding: e } }, "BAD_ID"],
      ["memory with a non-UUID id", `{ memory(id: "'; drop table x; --") { status } }`, {}, "BAD_ID"],
      ["a cursor with an impossible date", `query($c: String) { memories(after: $c) { hasNextPage } }`, { c: Buffer.from(`2025-13-45 25:61:61+00|${crypto.randomUUID()}`).toString("base64url") }, "BAD_CURSOR"],
      ["a cursor out of timestamptz's range", `query($c: String) { memories(after: $c) { hasNextPage } }`, { c: Buffer.from(`0000-01-01 00:00:00+00|${crypto.randomUUID()}`).toString("base64url") }, "BAD_CURSOR"],
      ["a cursor with a bad id", `query($c: String) { memories(after: $c) { hasNextPage } }`, { c: Buffer.from("2025-01-01 00:00:00+00|nope").toString("base64url") }, "BAD_CURSOR"],
      ["a NUL byte in text", REMEMBER, { input: { text: "a\u0000b", embedding: e } }, "TEXT_INVALID"],
      ["a lone surrogate in text", REMEMBER, { input: { text: "a\ud800b", embedding: e } }, "TEXT_NOT_UNICODE"],
      ["a lone surrogate in a tag", REMEMBER, { input: { text: "x", tags: ["\udc00"], embedding: e } }, "TEXT_NOT_UNICODE"],
      ["a lone surrogate in meta", REMEMBER, { input: { text: "x", meta: { k: "\ud800" }, embedding: e } }, "TEXT_NOT_UNICODE"],
      ["a lone surrogate in a search query", `query($e: [Float!]!, $q: String) { search(embedding: $e, query: $q) { reranked } }`, { e, q: "\ud83d" }, "TEXT_NOT_UNICODE"],
      ["a NUL byte in meta", REMEMBER, { input: { text: "x", meta: { k: "a\u0000b" }, embedding: e } }, "META_INVALID"],
      ["an embedding value beyond float4", REMEMBER, { input: { text: "x", embedding: [1e39, ...e.slice(1)] } }, "EMBEDDING_NOT_FINITE"],
      ["a zero embedding", REMEMBER, { input: { text: "x", embedding: new Array(DIMS).fill(0) } }, "EMBEDDING_ZERO"],
      ["search with a zero embedding", `query($e: [Float!]!) { search(embedding: $e) { reranked } }`, { e: new Array(DIMS).fill(0) }, "EMBEDDING_ZERO"],
      ["meta nested 100 levels", REMEMBER, { input: { text: "x", meta: { a: JSON.parse(nested(100)) }, embedding: e } }, "META_TOO_DEEP"],
      ["meta as JSON text (a string, not an object)", REMEMBER, { input: { text: "x", meta: '{"k":1}', embedding: e } }, "META_NOT_OBJECT"],
      ["meta an array", REMEMBER, { input: { text: "x", meta: [1], embedding: e } }, "META_NOT_OBJECT"],
      ["first as a string", `query($n: Int) { memories(first: $n) { hasNextPage } }`, { n: "abc" }, "GRAPHQL_VALIDATION_FAILED"],
      ["NaN in an embedding", `query($e: [Float!]!) { search(embedding: $e) { reranked } }`, { e: ["NaN", ...e.slice(1)] }, "GRAPHQL_VALIDATION_FAILED"],
      ["k of 1e10", `query($e: [Float!]!, $k: Int) { search(embedding: $e, k: $k) { reranked } }`, { e, k: 1e10 }, "GRAPHQL_VALIDATION_FAILED"],
      ["a 1 MB search query", `query($e: [Float!]!, $q: String) { search(embedding: $e, query: $q) { reranked } }`, { e, q: "q".repeat(1_000_000) }, "QUERY_TOO_LONG"],
    ];
    for (const [label, query, variables, code] of cases) {
      const r = await t.gql(auth, query, variables);
      expect(r.status, label).toBeLessThan(500);
      expect(codes(r.body), label).toEqual([code]);
      expect(JSON.stringify(r.body), label).not.toMatch(/memvault\.|select |insert |stack|at .*\.ts/i);
    }
    // A million levels cannot be built as a JavaScript value to send (JSON.stringify would
    // overflow): the body is written by hand, as a hostile client would.
    const deep = `{"query":${JSON.stringify(REMEMBER)},"variables":{"input":{"text":"x","meta":{"a":${nested(1_000_000)}},"embedding":${JSON.stringify(e)}}}}`;
    const r = await t.post(auth, deep);
    expect(r.status).toBeLessThan(500);
    expect(codes(JSON.parse(r.text))).toEqual(["META_TOO_DEEP"]);
    expect(await rowsOf(sub)).toEqual(before);
  });
});

describe("websockets", () => {
  /** A raw graphql-transport-ws socket: resolves with how it closed. */
  function rawSocket(path = "/graphql", base = t.api.url) {
    const ws = new WebSocket(`${base.replace("http", "ws")}${path}`, "graphql-transport-ws");
    const messages: { type: string; id?: string; payload?: unknown }[] = [];
    ws.addEventListener("message", (e) => messages.push(JSON.parse(String(e.data))));
    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.addEventListener("close", (e) => resolve({ code: e.code, reason: e.reason })));
    const opened = new Promise<void>((resolve, reject) => {
      ws.addEventListener("open", () => resolve());
      ws.addEventListener("error", () => reject(new Error("websocket error")));
    });
    /** connection_init with a token, then waits for the ack (a well-behaved client's order). */
    const init = async (authorization: string) => {
      await opened;
      ws.send(JSON.stringify({ type: "connection_init", payload: { authorization } }));
      const deadline = Date.now() + 10_000;
      while (!messages.some((m) => m.type === "connection_ack")) {
        if (Date.now() > deadline) throw new Error("no connection_ack");
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const subscribe = (id: string, query: string) => ws.send(JSON.stringify({ id, type: "subscribe", payload: { query } }));
    return { ws, closed, opened, messages, init, subscribe };
  }

  it("closes a tokenless connection_init with a coded close, before any operation is parsed", async () => {
    const s = rawSocket();
    await s.opened;
    s.ws.send(JSON.stringify({ type: "connection_init", payload: {} }));
    expect(await s.closed).toEqual({ code: 4401, reason: "AUTH_MISSING" });
    // An operation before the server acknowledged a token is not even parsed: closed at once.
    const eager = rawSocket();
    await eager.opened;
    eager.ws.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: "{ __schema { types { name } } }" } }));
    expect((await eager.closed).code).toBe(4401);
    expect(eager.messages).toEqual([]);
    const forged = rawSocket();
    await forged.opened;
    forged.ws.send(JSON.stringify({ type: "connection_init", payload: { authorization: "Bearer a.b.c" } }));
    expect(await forged.closed).toEqual({ code: 4401, reason: "AUTH_INVALID" });
  });

  it("closes a socket that never authenticates, and one that sends more than the message cap", async () => {
    const idle = rawSocket();
    await idle.opened;
    expect((await idle.closed).code).toBe(4408); // graphql-ws: connection initialisation timeout
    const big = rawSocket();
    await big.opened;
    big.ws.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${await t.token("big")}`, pad: "x".repeat(2_000_000) } }));
    expect((await big.closed).code).toBe(1009); // message too big, refused unparsed
  });

  it("takes the upgrade on the GraphQL path only", async () => {
    const s = rawSocket("/elsewhere");
    await expect(s.opened).rejects.toThrow();
  });

  it("ends a subscription when its token expires (coded close)", async () => {
    const exp = Math.floor(Date.now() / 1000) + 3;
    const s = rawSocket();
    await s.init(`Bearer ${await t.token("short-lived", { exp })}`);
    s.subscribe("1", "subscription { memorySealed { memory { id } } }");
    const closed = await s.closed;
    expect(closed).toEqual({ code: 4401, reason: "AUTH_EXPIRED" });
    expect(Date.now() / 1000).toBeGreaterThanOrEqual(exp - 1);
  });

  it("keeps a subscription whose token expires in 30 days open (no timer overflow closing it at once)", async () => {
    // JWT_MAX_LIFETIME_SECONDS allows up to 30 days; setTimeout overflows past 24.8.
    const keyring = parseKeyring("test", JSON.stringify(fx.doc));
    const api = await startApiServer(serverOptions({
      verifier: createTokenVerifier({ kind: "secret", secret: t.secret, audience: "memvault", maxLifetimeSeconds: 30 * 86_400 }),
      keyrings: { current: () => keyring },
    }));
    try {
      const exp = Math.floor(Date.now() / 1000) + 29 * 86_400;
      const s = rawSocket("/graphql", api.url);
      await s.init(`Bearer ${await t.token("long-lived", { exp })}`);
      s.subscribe("1", "subscription { memorySealed { memory { id } } }");
      const outcome = await Promise.race([s.closed, new Promise((r) => setTimeout(() => r("still open"), 1_000))]);
      expect(outcome).toBe("still open");
      s.ws.close();
      await s.closed;
    } finally {
      await api.stop();
    }
  });

  it("caps a tenant's open subscriptions", async () => {
    const auth = `Bearer ${await t.token("subscriber")}`;
    const sockets = Array.from({ length: 10 }, () => rawSocket());
    try {
      for (const [i, s] of sockets.entries()) {
        await s.init(auth);
        s.subscribe(String(i), "subscription { memorySealed { memory { id } } }");
      }
      // The 11th operation of this tenant, on any socket, is refused with a code.
      const last = sockets.at(-1)!;
      last.subscribe("probe", "{ __typename }");
      const refusal = await waitFor("the probe's answer", () => last.messages.find((m) => m.id === "probe"));
      expect(refusal.type).toBe("error");
      expect(JSON.stringify(refusal.payload)).toContain("SUBSCRIPTION_LIMIT");
      const over = await t.collect(auth, "subscription { memorySealed { memory { id } } }", {}, 1, 10_000);
      expect(JSON.stringify(over.errors)).toContain("SUBSCRIPTION_LIMIT");
      // Another tenant is not affected.
      const other = await t.collect(`Bearer ${await t.token("someone-else")}`, "{ __typename }", {}, 1, 10_000);
      expect(other.payloads).toEqual([{ __typename: "Query" }]);
    } finally {
      for (const s of sockets) s.ws.close();
      await Promise.all(sockets.map((s) => s.closed));
    }
    // Closed sockets give their slots back.
    const after = await t.collect(auth, "subscription { memorySealed { memory { id } } }", {}, 1, 1_000);
    expect(after.errors).toBe("timeout"); // subscribed, nothing sealed (no worker): waited, not refused
  });
});

describe("the server's own faults", () => {
  const options = (over: Partial<ApiServerOptions>) =>
    serverOptions({ keyrings: { current: () => { throw new ConfigError("MEMVAULT_KEYRING_FILE", "cannot read the keyring"); } }, ...over });

  it("a keyring it cannot read is a 503 (KEYRING_UNAVAILABLE), not the client's 401", async () => {
    const api = await startApiServer(options({}));
    try {
      const res = await fetch(`${api.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${await t.token("keyless")}` },
        body: JSON.stringify({ query: "{ memories { hasNextPage } }" }),
      });
      expect(res.status).toBe(503);
      const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
      expect(body.errors[0]!.extensions.code).toBe("KEYRING_UNAVAILABLE");
      expect(JSON.stringify(body)).not.toMatch(/MEMVAULT_KEYRING_FILE|cannot read the keyring/);
      expect((await fetch(`${api.url}/readyz`)).status).toBe(503);
    } finally {
      await api.stop();
    }
  });

  it("refuses to start when EMBEDDING_DIM differs from the database's column, naming both", async () => {
    const err = await startApiServer(options({ limits: { dims: DIMS + 1, maxTextBytes: 65_536, maxMetaBytes: 16_384 } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(new RegExp(`EMBEDDING_DIM: is ${DIMS + 1}, but the database's embedding column has ${DIMS} dimensions`));
  });

  it("a second server on a taken port fails with a clear error, not an unhandled EADDRINUSE", async () => {
    const port = Number(new URL(t.api.url).port);
    const err = await startApiServer(options({ port, keyrings: { current: () => { throw new Error("unused"); } } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/in use \(is memvault already running\?\)/);
  });
});

describe("CORS", () => {
  it("answers a real preflight from an allowed origin only, and marks its responses; none by default", async () => {
    const allowed = "https://app.example";
    const api = await startApiServer(serverOptions({ corsAllowedOrigins: [allowed] }));
    try {
      const preflight = (origin: string) =>
        rawRequest(api.url, "OPTIONS", "/graphql", { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" });
      const ok = await preflight(allowed);
      expect(ok.status).toBe(204);
      expect(ok.headers["access-control-allow-origin"]).toBe(allowed);
      expect(ok.headers["access-control-allow-methods"]).toMatch(/POST/);
      expect(ok.headers["access-control-allow-headers"]).toMatch(/authorization/);
      expect(ok.headers["access-control-allow-credentials"]).toBeUndefined();
      const other = await preflight("https://evil.example");
      expect(other.status).toBe(405);
      expect(other.headers["access-control-allow-origin"]).toBeUndefined();
      // The request itself: the allowed origin may read the answer, another may not.
      const auth = `Bearer ${await t.token("cors")}`;
      const post = (origin: string) => rawRequest(api.url, "POST", "/graphql", { origin, authorization: auth, "content-type": "application/json" }, JSON.stringify({ query: "{ count }" }));
      const mine = await post(allowed);
      expect(mine.status).toBe(200);
      expect(mine.headers["access-control-allow-origin"]).toBe(allowed);
      expect((await post("https://evil.example")).headers["access-control-allow-origin"]).toBeUndefined();
    } finally {
      await api.stop();
    }
    // The fixture's server lists no origin: every preflight is refused.
    expect((await rawRequest(t.api.url, "OPTIONS", "/graphql", { origin: "https://app.example", "access-control-request-method": "POST" })).status).toBe(405);
  });
});

function rawRequest(base: string, method: string, target: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/`, { method, path: target, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}
