// GraphQL over Server-Sent Events at /graphql/stream, read by graphql-sse's own client, by a
// raw fetch reader and by `curl -N`: progressive search in two phases, memorySealed for the
// owner only, and every refusal (token, accept header, stream cap, limits) coded.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { createClient } from "graphql-sse";
import { beforeAll, describe, expect, it } from "vitest";
import { hmacUser } from "../../src/crypto/hmacUser.ts";
import { userHashPrefix } from "../../src/logger.ts";
import { useApiFixture, vec } from "../support/apiFixture.ts";
import { keyringFrom } from "../support/keyrings.ts";
import { asIdentity } from "../support/tenant.ts";
import { useOverlapWorker } from "../support/overlapWorker.ts";
import { track, untrack } from "../support/openResources.ts";
import { waitFor } from "../support/waitFor.ts";
import { useKeyringDatabase } from "../support/keyringDatabase.ts";

const fx = useKeyringDatabase();
const t = useApiFixture(fx, { websocket: { maxMessageBytes: 1_048_576, initTimeoutMs: 3_000, maxOperationsPerTenant: 2 } });
useOverlapWorker(fx);

const REMEMBER = `mutation($i: [RememberInput!]!) { rememberMany(inputs: $i) { id } }`;
const PROGRESSIVE = `subscription($e: [Float!]!) { searchProgress(embedding: $e, query: "capital of france", mode: VECTOR, k: 3) { phase reranked hits { memory { text } } } }`;
const streamUrl = () => `${t.api.url}/graphql/stream`;
/** Rows still waiting in chunk_ingest for the worker. */
const waitingCount = async () => (await fx.root.query("select count(*)::int as n from memvault.chunk_ingest")).rows[0].n as number;

/** An SSE body split into its events: [{event, data}]. */
function parseEvents(text: string): { event: string; data: any }[] {
  return text
    .split("\n\n")
    .map((block) => block.split("\n").filter((l) => l && !l.startsWith(":")))
    .filter((lines) => lines.length > 0)
    .map((lines) => {
      const event = lines.find((l) => l.startsWith("event:"))?.slice(6).trim() ?? "message";
      const data = lines.filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
      return { event, data: data ? JSON.parse(data) : null };
    });
}

/** The graphql-sse client (distinct connections mode): every payload until complete or error. */
async function viaClient(auth: string, query: string, variables: Record<string, unknown>, take = Infinity) {
  const client = createClient({ url: streamUrl(), headers: { authorization: auth }, retryAttempts: 0 });
  const resource = track({ label: "graphql-sse client", close: async () => client.dispose() });
  const payloads: any[] = [];
  try {
    return await new Promise<{ payloads: any[]; error?: unknown }>((resolve) => {
      const stop = client.subscribe(
        { query, variables },
        {
          next: (p) => {
            payloads.push(p);
            if (payloads.length >= take) {
              stop();
              resolve({ payloads });
            }
          },
          error: (error) => resolve({ payloads, error }),
          complete: () => resolve({ payloads }),
        },
      );
    });
  } finally {
    client.dispose();
    untrack(resource);
  }
}

beforeAll(async () => {
  const oona = `Bearer ${await t.token("oona")}`;
  await t.gql(oona, REMEMBER, {
    i: ["Bananas are yellow.", "Paris is the capital of France.", "Berlin is in Germany."].map((text, n) => ({ text, embedding: vec(40 + n) })),
  });
  await waitFor("sealed", async () => (await waitingCount()) === 0);
});

describe("GraphQL over SSE", () => {
  it("graphql-sse client: progressive search delivers the ANN phase, then the reranked one, then completes", async () => {
    const out = await viaClient(`Bearer ${await t.token("oona")}`, PROGRESSIVE, { e: vec(40) });
    expect(out.error).toBeUndefined();
    const [ann, final] = out.payloads.map((p) => p.data.searchProgress);
    expect(out.payloads).toHaveLength(2);
    expect(ann).toMatchObject({ phase: "ann", reranked: false });
    expect(ann.hits[0].memory.text).toBe("Bananas are yellow.");
    expect(final).toMatchObject({ phase: "reranked", reranked: true });
    expect(final.hits[0].memory.text).toBe("Paris is the capital of France.");
  });

  it("a raw reader (fetch) sees next, next, complete; queries stream too", async () => {
    const auth = `Bearer ${await t.token("oona")}`;
    const res = await fetch(streamUrl(), {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", authorization: auth },
      body: JSON.stringify({ query: PROGRESSIVE, variables: { e: vec(40) } }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = parseEvents(await res.text());
    expect(events.map((e) => e.event)).toEqual(["next", "next", "complete"]);
    expect(events[1]!.data.data.searchProgress.phase).toBe("reranked");
    const page = parseEvents(await (await fetch(`${streamUrl()}?${new URLSearchParams({ query: "{ memories(first: 5) { nodes { text } } }" })}`, { headers: { accept: "text/event-stream", authorization: auth } })).text());
    expect(page.map((e) => e.event)).toEqual(["next", "complete"]);
    expect(page[0]!.data.data.memories.nodes).toHaveLength(3);
  });

  it("a stream that fails tells its client why (a coded error event), then completes; on websockets too", async () => {
    const auth = `Bearer ${await t.token("oona")}`;
    const BAD = `subscription($e: [Float!]!) { searchProgress(embedding: $e, k: 0) { phase } }`;
    const res = await fetch(streamUrl(), {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", authorization: auth },
      body: JSON.stringify({ query: BAD, variables: { e: vec(40) } }),
    });
    const events = parseEvents(await res.text());
    expect(events.map((e) => e.event)).toEqual(["next", "complete"]);
    expect(events[0]!.data.errors[0].extensions.code).toBe("K_OUT_OF_RANGE");
    const ws = await t.collect(auth, BAD, { e: vec(40) }, 1, 5_000);
    expect((ws.errors as { extensions: { code: string } }[])[0]!.extensions.code).toBe("K_OUT_OF_RANGE");
  });

  it("curl -N reads the stream as docs/api.md shows", async () => {
    const auth = `Bearer ${await t.token("oona")}`;
    const { stdout } = await promisify(execFile)("curl", ["-sN", streamUrl(), "-H", `authorization: ${auth}`, "-H", "accept: text/event-stream", "-H", "content-type: application/json", "-d", JSON.stringify({ query: PROGRESSIVE, variables: { e: vec(40) } })]);
    const events = parseEvents(stdout);
    expect(events.map((e) => e.event)).toEqual(["next", "next", "complete"]);
    expect(events[0]!.data.data.searchProgress.phase).toBe("ann");
  });

  it("memorySealed over SSE: the owner hears its own seal; another tenant hears nothing", async () => {
    const pia = `Bearer ${await t.token("pia")}`;
    const quin = `Bearer ${await t.token("quin")}`;
    const SUB = `subscription { memorySealed { memory { id text } } }`;
    const pias = viaClient(pia, SUB, {}, 1);
    const quins = new AbortController();
    const quinRes = await fetch(streamUrl(), {
      method: "POST",
      signal: quins.signal,
      headers: { "content-type": "application/json", accept: "text/event-stream", authorization: quin },
      body: JSON.stringify({ query: SUB }),
    });
    await waitFor("both subscribed", async () => /memvault_api_websockets\{kind="sealed_subscribers"\} 2/.test(await (await fetch(t.api.metricsUrl!)).text()));
    await t.gql(pia, REMEMBER, { i: [{ text: "pia's sealed memory", embedding: vec(60) }] });
    const got = await pias;
    expect(got.payloads[0].data.memorySealed.memory.text).toBe("pia's sealed memory");
    // Quin's stream: Pia's seal went by first, then Quin's own; the first event Quin hears
    // must be his own (a leak of Pia's would have come before it, the seals being in order).
    await waitFor("pia sealed", async () => (await waitingCount()) === 0);
    await t.gql(quin, REMEMBER, { i: [{ text: "quin's own memory", embedding: vec(61) }] });
    const reader = quinRes.body!.getReader();
    let text = "";
    while (parseEvents(text).length === 0) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    quins.abort();
    await reader.cancel().catch(() => {});
    expect(parseEvents(text).map((e) => e.data?.data?.memorySealed?.memory?.text)).toEqual(["quin's own memory"]);
    // The server noticed both streams closing.
    await waitFor("unsubscribed", async () => /memvault_api_websockets\{kind="sealed_subscribers"\} 0/.test(await (await fetch(t.api.metricsUrl!)).text()));
  });

  it("refusals are coded: no token 401, wrong accept 406, invalid operation 400, open streams capped per tenant across transports", async () => {
    const body = JSON.stringify({ query: "{ memories(first: 1) { nodes { id } } }" });
    const post = (headers: Record<string, string>, b = body) => fetch(streamUrl(), { method: "POST", headers: { "content-type": "application/json", ...headers }, body: b });
    const noToken = await post({ accept: "text/event-stream" });
    expect(noToken.status).toBe(401);
    expect(((await noToken.json()) as any).errors[0].extensions.code).toBe("AUTH_MISSING");
    const auth = `Bearer ${await t.token("rae")}`;
    const wrongAccept = await post({ accept: "application/json", authorization: auth });
    expect(wrongAccept.status).toBe(406);
    const invalid = await post({ accept: "text/event-stream", authorization: auth }, JSON.stringify({ query: "{ nope }" }));
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as any).errors[0].extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");
    // Two open streams per tenant (this fixture): a third is refused, whatever the transport.
    const SUB = JSON.stringify({ query: "subscription { memorySealed { memory { id } } }" });
    const aborts = [new AbortController(), new AbortController()];
    const open = await Promise.all(aborts.map((a) => fetch(streamUrl(), { method: "POST", signal: a.signal, headers: { "content-type": "application/json", accept: "text/event-stream", authorization: auth }, body: SUB })));
    expect(open.map((r) => r.status)).toEqual([200, 200]);
    const third = await post({ accept: "text/event-stream", authorization: auth }, SUB);
    expect(third.status).toBe(429);
    expect(((await third.json()) as any).errors[0].extensions.code).toBe("SUBSCRIPTION_LIMIT");
    const overWs = await t.collect(auth, "subscription { memorySealed { memory { id } } }", {}, 1, 3_000);
    expect((overWs.errors as { extensions: { code: string } }[])[0]!.extensions.code).toBe("SUBSCRIPTION_LIMIT");
    for (const a of aborts) a.abort();
    await waitFor("streams released", async () => (await post({ accept: "text/event-stream", authorization: auth })).status === 200);
  });

  it("a stream ends when its token expires, with AUTH_EXPIRED before complete", async () => {
    const exp = Math.floor(Date.now() / 1000) + 3;
    const res = await fetch(streamUrl(), {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", authorization: `Bearer ${await t.token("brief", { exp })}` },
      body: JSON.stringify({ query: "subscription { memorySealed { memory { id } } }" }),
    });
    expect(res.status).toBe(200);
    // The body ends only when the server ends the stream: at the token's expiry.
    const events = parseEvents(await res.text());
    expect(Date.now() / 1000).toBeGreaterThanOrEqual(exp - 1);
    expect(events.at(-2)).toEqual({ event: "next", data: { errors: [{ message: "the token has expired", extensions: { code: "AUTH_EXPIRED" } }] } });
    expect(events.at(-1)!.event).toBe("complete");
  });

  it("a subscription over plain POST /graphql is refused (it would escape the stream caps and expiry)", async () => {
    const res = await t.post(`Bearer ${await t.token("multipart")}`, JSON.stringify({ query: "subscription { memorySealed { memory { id } } }" }));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).errors[0].extensions.code).toBe("BAD_REQUEST");
  });

  it("a forged or replayed seal notification (any role may NOTIFY) delivers nothing twice and ends no stream", async () => {
    const rho = `Bearer ${await t.token("rho")}`;
    const prefix = userHashPrefix(hmacUser(keyringFrom(fx.doc), "rho"));
    const SUB = `subscription { memorySealed { memory { id text } } }`;
    const stream = viaClient(rho, SUB, {}, 2);
    await waitFor("subscribed", async () => /memvault_api_websockets\{kind="sealed_subscribers"\} [1-9]/.test(await (await fetch(t.api.metricsUrl!)).text()));
    const first = (await t.gql(rho, REMEMBER, { i: [{ text: "rho one", embedding: vec(70) }] })).body.data.rememberMany[0].id as string;
    await waitFor("the first seal", async () => (await fx.root.query("select 1 from memvault.memory_chunks where id = $1", [first])).rows.length === 1);
    // As the monitor role, which can connect and so NOTIFY on any channel.
    await asIdentity(fx.root, { role: "memvault_monitor" }, async (c) => {
      for (const payload of [`${prefix}:-,-`, `${prefix}:not-a-uuid`, `${prefix}:${first}`, `${prefix}:${first},${first}`]) {
        await c.query("select pg_notify('memvault_chunk_sealed', $1)", [payload]);
      }
    }, { commit: true });
    // No wait needed: the one LISTEN connection hears notifications in commit order, so the
    // forged ones are handled before rho two's seal (a replay let through would be 2nd).
    await t.gql(rho, REMEMBER, { i: [{ text: "rho two", embedding: vec(71) }] });
    const got = await stream;
    expect(got.error).toBeUndefined();
    expect(got.payloads.map((p) => p.data?.memorySealed?.memory?.text ?? JSON.stringify(p.errors))).toEqual(["rho one", "rho two"]);
  });
});
