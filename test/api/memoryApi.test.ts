// The memory API as assistants use it, over GraphQL with a real worker and server-side
// embeddings (the deterministic word-hash embedder: texts sharing words are close):
// text-only remember and search, scopes and tags (blind indexes) that filter exactly and
// never cross tenants, update and upsert, expiry, export, thresholds, and bad input.
import { kekEnv } from "../support/kekEnv.ts";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { PROJECT_ROOT } from "../../src/projectRoot.ts";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { useApiFixture } from "../support/apiFixture.ts";
import { embedderFromDir } from "../support/embedders.ts";
import { makeModelDirs } from "../support/testModelDirs.ts";
import { waitFor } from "../support/waitFor.ts";
import { useKeyringDatabase } from "../support/keyringDatabase.ts";
import { startWorker, type WorkerProcess } from "../support/workerProcess.ts";

const fx = useKeyringDatabase();
const models = makeModelDirs(["wordhash"]);
const t = useApiFixture(fx, { createEmbedder: embedderFromDir(models.dir("wordhash")) });
let worker: WorkerProcess;

beforeAll(async () => {
  worker = await startWorker(fx.db, { MEMVAULT_KEYRING_FILE: fx.keyringFile, EMBEDDER_MODEL_DIR: models.dir("wordhash"), EMBEDDER_THREADS: "1" }, { scope: "file" });
});
afterAll(async () => {
  await worker.stop();
  models.remove();
});

const MEMORY_FIELDS = "id text meta scope tags createdAt updatedAt expiresAt error";
const REMEMBER_MANY = `mutation($inputs: [RememberInput!]!) { rememberMany(inputs: $inputs) { id status } }`;
const MEMORY = `query($id: String!) { memory(id: $id) { status lastError memory { ${MEMORY_FIELDS} } } }`;
const MEMORIES = `query($filter: MemoryFilter) { memories(first: 100, filter: $filter) { nodes { ${MEMORY_FIELDS} } } }`;
const COUNT = `query($filter: MemoryFilter) { count(filter: $filter) }`;
const SEARCH = `query($query: String, $filter: MemoryFilter, $k: Int, $maxDistance: Float) { search(query: $query, k: $k, filter: $filter, maxDistance: $maxDistance) { hits { distance memory { ${MEMORY_FIELDS} } } } }`;
const UPDATE = `mutation($id: String!, $patch: MemoryPatch!) { update(id: $id, patch: $patch) { id status } }`;
const UPSERT = `mutation($input: RememberInput!) { upsert(input: $input) { id status } }`;

async function ok(auth: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await t.gql(auth, query, variables);
  if (res.body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(res.body.errors)}`);
  return res.body.data;
}
const codeOf = async (auth: string, query: string, variables: Record<string, unknown>) => (await t.gql(auth, query, variables)).body.errors?.[0]?.extensions?.code;
const sealedCount = async () => (await fx.root.query("select count(*)::int as n from memvault.memory_chunks")).rows[0].n as number;
const sealedOf = async (ids: string[]) => (await fx.root.query("select count(*)::int as n from memvault.memory_chunks where id = any($1::uuid[])", [ids])).rows[0].n as number;
const pendingCount = async () => (await fx.root.query("select count(*)::int as n from memvault.chunk_ingest")).rows[0].n as number;
const settle = () => waitFor("the worker to seal everything", async () => (await pendingCount()) === 0, 30_000);
const texts = (data: { memories: { nodes: { text: string }[] } }) => data.memories.nodes.map((n) => n.text).sort();

const ALICE = [
  { text: "the planner booked a flight to lisbon", scope: "agent:planner/session:1", tags: ["travel", "MARKER-tag-c0ffee"] },
  { text: "the planner booked a hotel in porto", scope: "agent:planner/session:2", tags: ["travel"] },
  { text: "the critic disliked the hotel breakfast", scope: "agent:critic", tags: ["food", "travel"] },
  { text: "remember to water the ferns every monday", scope: "agent:planner/session:1", tags: ["home"] },
  { text: "the cat prefers salmon over chicken", tags: ["home", "pets"] },
];

const BOB = { text: "bob booked a flight to lisbon too", scope: "agent:planner/session:1", tags: ["travel", "MARKER-tag-c0ffee"] };

/**
 * One test's own pair of tenants (each test stands alone, in any order): `alice-<label>` with
 * ALICE's five memories and `bob-<label>` with BOB's one, all sealed.
 */
async function seedTenants(label: string) {
  const aliceSub = `alice-${label}`;
  const alice = `Bearer ${await t.token(aliceSub)}`;
  const bob = `Bearer ${await t.token(`bob-${label}`)}`;
  const ids: string[] = (await ok(alice, REMEMBER_MANY, { inputs: ALICE.map((m) => ({ ...m, meta: { source: "test" } })) })).rememberMany.map((r: { id: string }) => r.id);
  const bobIds: string[] = (await ok(bob, REMEMBER_MANY, { inputs: [BOB] })).rememberMany.map((r: { id: string }) => r.id);
  await waitFor("sealed", async () => (await sealedOf([...ids, ...bobIds])) === 6, 30_000);
  return { alice, bob, aliceSub, ids, bobIds };
}

describe("memory API", () => {
  it("text-only remember: the worker embeds and seals; a text-only search finds by shared words", async () => {
    const alice = `Bearer ${await t.token("alice-remember")}`;
    const bob = `Bearer ${await t.token("bob-remember")}`;
    const out = await ok(alice, REMEMBER_MANY, { inputs: ALICE.map((m) => ({ ...m, meta: { source: "test" } })) });
    expect(out.rememberMany).toHaveLength(5);
    const bobOut = await ok(bob, REMEMBER_MANY, { inputs: [BOB] });
    const ids = [...out.rememberMany, ...bobOut.rememberMany].map((r: { id: string }) => r.id);
    await waitFor("sealed", async () => (await sealedOf(ids)) === 6, 30_000);
    const hits = (await ok(alice, SEARCH, { query: "which hotel did the planner book", k: 3 })).search.hits;
    expect(hits.map((h: { memory: { text: string } }) => h.memory.text)[0]).toBe("the planner booked a hotel in porto");
    expect(hits.every((h: { memory: { text: string } }) => !h.memory.text.startsWith("bob"))).toBe(true);
    // Opened for their owner: scope and tags as given.
    const first = (await ok(alice, MEMORY, { id: out.rememberMany[0].id })).memory;
    expect(first.status).toBe("sealed");
    expect(first.memory).toMatchObject({ text: ALICE[0]!.text, scope: "agent:planner/session:1", tags: ["travel", "MARKER-tag-c0ffee"], meta: { source: "test" } });
  });

  it("scopes and tags filter exactly: exact scope, scope prefix, any, all, time", async () => {
    const { alice } = await seedTenants("filters");
    const m = async (filter: Record<string, unknown>) => texts(await ok(alice, MEMORIES, { filter }));
    expect(await m({ scope: "agent:planner/session:1" })).toEqual([ALICE[0]!.text, ALICE[3]!.text].sort());
    expect(await m({ scope: "agent:planner" })).toEqual([]); // exact: no memory has exactly this scope
    expect(await m({ scopePrefix: "agent:planner" })).toEqual([ALICE[0]!.text, ALICE[1]!.text, ALICE[3]!.text].sort());
    expect(await m({ scopePrefix: "agent:plan" })).toEqual([]); // levels, not string prefixes
    expect(await m({ tagsAny: ["food", "pets"] })).toEqual([ALICE[2]!.text, ALICE[4]!.text].sort());
    expect(await m({ tagsAll: ["travel", "food"] })).toEqual([ALICE[2]!.text]);
    expect(await m({ tagsAll: ["home"], scopePrefix: "agent:planner" })).toEqual([ALICE[3]!.text]);
    expect(await m({ createdAfter: new Date(Date.now() + 60_000).toISOString() })).toEqual([]);
    expect((await m({ createdBefore: new Date(Date.now() + 60_000).toISOString() })).length).toBe(5);
    expect((await ok(alice, COUNT, { filter: { tagsAny: ["travel"] } })).count).toBe(3);
    expect((await ok(alice, COUNT, {})).count).toBe(5);
    // Search with a filter returns only matching memories, nearest first.
    const hits = (await ok(alice, SEARCH, { query: "the planner booked a flight", k: 8, filter: { tagsAny: ["home"] } })).search.hits;
    expect(hits.map((h: { memory: { text: string } }) => h.memory.text).sort()).toEqual([ALICE[3]!.text, ALICE[4]!.text].sort());
    // rerank: false answers in ANN order without the cross-encoder's round trip.
    const plain = await ok(alice, `{ search(query: "planner booked", k: 2, rerank: false) { reranked rerankSkipReason hits { memory { id } } } }`);
    expect(plain.search).toMatchObject({ reranked: false, rerankSkipReason: "not_requested" });
    expect(plain.search.hits).toHaveLength(2);
    // maxDistance keeps only close hits.
    const close = (await ok(alice, SEARCH, { query: "the planner booked a flight to lisbon", k: 8, maxDistance: 0.2 })).search.hits;
    expect(close.map((h: { memory: { text: string } }) => h.memory.text)).toEqual([ALICE[0]!.text]);
  });

  it("labels never cross tenants: bob filtering on alice's tag values finds only his own", async () => {
    const { bob, ids, bobIds } = await seedTenants("labels");
    expect(texts(await ok(bob, MEMORIES, { filter: { tagsAny: ["home", "food", "pets"] } }))).toEqual([]);
    expect(texts(await ok(bob, MEMORIES, { filter: { tagsAll: ["MARKER-tag-c0ffee"] } }))).toEqual(["bob booked a flight to lisbon too"]);
    expect((await ok(bob, COUNT, { filter: { scopePrefix: "agent:critic" } })).count).toBe(0);
    // The same tag hashes differently per tenant: no join on hashes links them.
    const { rows } = await fx.root.query("select user_hash, label_hash from memvault.memory_labels where memory_id = any($1::uuid[])", [[...ids, ...bobIds]]);
    const byTenant = new Map<string, Set<string>>();
    for (const r of rows) (byTenant.get(r.user_hash) ?? byTenant.set(r.user_hash, new Set()).get(r.user_hash)!).add((r.label_hash as Buffer).toString("hex"));
    expect(byTenant.size).toBe(2);
    const [a, b] = [...byTenant.values()];
    expect([...a!].filter((h) => b!.has(h))).toEqual([]);
  });

  it("no plaintext scope or tag anywhere in the database's files or the WAL", async () => {
    await seedTenants("at-rest");
    await fx.root.query("checkpoint");
    const dataDir = inject("cluster").dataDir;
    const dbDir = path.join(dataDir, "base", String((await fx.root.query("select oid from pg_database where datname = current_database()")).rows[0].oid));
    const walDir = path.join(dataDir, "pg_wal");
    const files = [...fs.readdirSync(dbDir).map((f) => path.join(dbDir, f)), ...fs.readdirSync(walDir).filter((f) => /^[0-9A-F]{24}$/.test(f)).map((f) => path.join(walDir, f))];
    let scanned = 0;
    let textSeen = false;
    for (const file of files) {
      if (!fs.statSync(file).isFile()) continue;
      const bytes = fs.readFileSync(file);
      scanned += bytes.length;
      // Control: the text passed through chunk_ingest in plaintext, so the WAL holds it.
      if (bytes.includes(Buffer.from("remember to water the ferns"))) textSeen = true;
      for (const marker of ["MARKER-tag-c0ffee", "agent:planner/session:1", "agent:critic"]) expect(bytes.includes(Buffer.from(marker)), `${marker} in ${file}`).toBe(false);
    }
    expect(scanned).toBeGreaterThan(1_000_000);
    expect(textSeen).toBe(true);
  });

  it("update: old version until the new one is sealed, then atomically the new (text re-embedded, labels changed)", async () => {
    const { alice } = await seedTenants("update");
    const [target] = (await ok(alice, MEMORIES, { filter: { tagsAny: ["pets"] } })).memories.nodes;
    const before = target.text;
    const seen: { text: string; tags: string[] }[] = [];
    let stop = false;
    const reader = (async () => {
      while (!stop) {
        const m = (await ok(alice, MEMORY, { id: target.id })).memory;
        seen.push({ text: m.memory?.text, tags: m.memory?.tags });
      }
    })();
    await ok(alice, UPDATE, { id: target.id, patch: { text: "the dog prefers beef over fish", tags: ["pets", "dog"] } });
    await settle();
    await waitFor("the reader sees the new version", () => seen.at(-1)?.text === "the dog prefers beef over fish");
    stop = true;
    await reader;
    // Every read saw a whole version: the old text with the old tags, or the new with the new.
    expect(seen.length).toBeGreaterThan(3);
    for (const s of seen) expect([JSON.stringify({ text: before, tags: ["home", "pets"] }), JSON.stringify({ text: "the dog prefers beef over fish", tags: ["pets", "dog"] })]).toContain(JSON.stringify(s));
    expect(seen.at(-1)!.text).toBe("the dog prefers beef over fish");
    const after = (await ok(alice, MEMORY, { id: target.id })).memory.memory;
    expect(after.createdAt).toBe(target.createdAt);
    expect(after.updatedAt).not.toBeNull();
    // Re-embedded: found by the new words, no longer by the old.
    expect((await ok(alice, SEARCH, { query: "dog beef", k: 1 })).search.hits[0].memory.id).toBe(target.id);
    expect((await ok(alice, MEMORIES, { filter: { tagsAny: ["home"] } })).memories.nodes.map((n: { id: string }) => n.id)).not.toContain(target.id);
    // A scope-only update keeps text and embedding.
    await ok(alice, UPDATE, { id: target.id, patch: { scope: "agent:vet" } });
    await settle();
    expect((await ok(alice, MEMORY, { id: target.id })).memory.memory).toMatchObject({ text: "the dog prefers beef over fish", scope: "agent:vet", tags: ["pets", "dog"] });
    expect((await ok(alice, SEARCH, { query: "dog beef", k: 1, filter: { scope: "agent:vet" } })).search.hits[0].memory.id).toBe(target.id);
  });

  it("update of a missing or another tenant's id is NOT_FOUND, revealing nothing; an empty patch is refused", async () => {
    const { alice, bob } = await seedTenants("not-found");
    const [aliceMemory] = (await ok(alice, MEMORIES, {})).memories.nodes;
    expect(await codeOf(bob, UPDATE, { id: aliceMemory.id, patch: { text: "hijacked" } })).toBe("NOT_FOUND");
    expect(await codeOf(bob, UPDATE, { id: "00000000-0000-4000-8000-000000000000", patch: { text: "x" } })).toBe("NOT_FOUND");
    expect(await codeOf(alice, UPDATE, { id: aliceMemory.id, patch: {} })).toBe("UPDATE_EMPTY");
    await settle();
    expect((await ok(alice, MEMORY, { id: aliceMemory.id })).memory.memory.text).toBe(aliceMemory.text);
  });

  it("upsert is idempotent: the same id twice is one memory with the latest contents", async () => {
    const alice = `Bearer ${await t.token("alice-upsert")}`;
    const bob = `Bearer ${await t.token("bob-upsert")}`;
    const id = "0f0e0d0c-0b0a-4908-8706-050403020100";
    const input = { id, text: "the meeting moved to thursday", tags: ["calendar"] };
    await ok(alice, UPSERT, { input });
    await ok(alice, UPSERT, { input });
    await settle();
    await ok(alice, UPSERT, { input: { ...input, text: "the meeting moved to friday" } });
    await settle();
    expect((await ok(alice, COUNT, { filter: { tagsAny: ["calendar"] } })).count).toBe(1);
    expect((await ok(alice, MEMORY, { id })).memory.memory.text).toBe("the meeting moved to friday");
    // Bob's upsert with the same id is his own memory: alice's is untouched.
    await ok(bob, UPSERT, { input: { id, text: "bob's own thursday" } });
    await settle();
    expect((await ok(alice, MEMORY, { id })).memory.memory.text).toBe("the meeting moved to friday");
    expect((await ok(bob, MEMORY, { id })).memory.memory.text).toBe("bob's own thursday");
  });

  it("expiry: hidden once past, then deleted by expire_memories; expiresAt can be cleared", async () => {
    const alice = `Bearer ${await t.token("alice-expiry")}`;
    // Far enough ahead that nothing expires while the checks before the short expiry run,
    // however slowly the worker seals on a loaded machine.
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const [{ id }, { id: kept }] = (await ok(alice, REMEMBER_MANY, {
      inputs: [
        { text: "the door code is 4321 until tomorrow", tags: ["ephemeral"], expiresAt: later },
        { text: "the door code changes weekly", tags: ["ephemeral"], expiresAt: later },
      ],
    })).rememberMany;
    await settle();
    expect((await ok(alice, COUNT, { filter: { tagsAny: ["ephemeral"] } })).count).toBe(2);
    expect((await ok(alice, MEMORY, { id })).memory.memory.expiresAt).toBe(later);
    await ok(alice, UPDATE, { id: kept, patch: { expiresAt: null } });
    await ok(alice, UPDATE, { id, patch: { expiresAt: new Date(Date.now() + 1_000).toISOString() } });
    await settle();
    await waitFor("the memory to expire and be deleted", async () => (await fx.root.query("select 1 from memvault.memory_chunks where id = $1", [id])).rows.length === 0, 20_000);
    expect((await ok(alice, MEMORY, { id })).memory).toBeNull();
    expect((await ok(alice, SEARCH, { query: "door code", k: 8, filter: { tagsAny: ["ephemeral"] } })).search.hits.map((h: { memory: { id: string } }) => h.memory.id)).toEqual([kept]);
    expect((await ok(alice, COUNT, { filter: { tagsAny: ["ephemeral"] } })).count).toBe(1);
  });

  it("export: exactly the tenant's memories, opened, then an end line; 401 without a token", async () => {
    const { alice, aliceSub } = await seedTenants("export");
    const res = await fetch(`${t.api.url}/export`, { headers: { authorization: alice } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/x-ndjson");
    const lines = (await res.text()).trim().split("\n").map((l) => JSON.parse(l));
    const end = lines.pop();
    const listed = (await ok(alice, MEMORIES, {})).memories.nodes;
    expect(end).toEqual({ kind: "end", memories: listed.length, pending: 0, unopened: 0 });
    expect(lines.map((l) => l.id).sort()).toEqual(listed.map((n: { id: string }) => n.id).sort());
    expect(lines.every((l) => l.kind === "memory" && typeof l.text === "string" && !l.text.startsWith("bob"))).toBe(true);
    expect(lines.find((l) => l.text === ALICE[0]!.text)).toMatchObject({ scope: "agent:planner/session:1", tags: ["travel", "MARKER-tag-c0ffee"], meta: { source: "test" } });
    expect((await fetch(`${t.api.url}/export`)).status).toBe(401);

    // The operators' command gives the same lines, through RLS as the API does, into a 0600 file.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mvexport-"));
    try {
      const out = path.join(dir, "alice.ndjson");
      const env = { PATH: process.env.PATH, ...kekEnv(), AUTHENTICATOR_DATABASE_URL: fx.db.url("authenticator"), MEMVAULT_KEYRING_FILE: fx.keyringFile };
      const run = await promisify(execFile)(process.execPath, [path.join(PROJECT_ROOT, "src/cli/main.ts"), "export", "--user", aliceSub, "--out", out], { env });
      expect(run.stderr).toContain(`exported ${listed.length} memories`);
      expect((fs.statSync(out).mode & 0o777).toString(8)).toBe("600");
      const cli = fs.readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l));
      expect(cli.map((l) => l.id ?? l.kind).sort()).toEqual([...lines.map((l) => l.id), "end"].sort());
      const again = await promisify(execFile)(process.execPath, [path.join(PROJECT_ROOT, "src/cli/main.ts"), "export", "--user", aliceSub, "--out", out], { env }).catch((e: { code: number; stderr: string }) => e);
      expect((again as { stderr: string }).stderr).toMatch(/USAGE: .* exists/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("forgetMatching deletes exactly the matching memories", async () => {
    const { alice, bob } = await seedTenants("forget-matching");
    const before = (await ok(alice, COUNT, {})).count;
    const travel = (await ok(alice, COUNT, { filter: { tagsAny: ["travel"] } })).count;
    expect((await ok(alice, `mutation($f: MemoryFilter!) { forgetMatching(filter: $f) }`, { f: { tagsAny: ["travel"] } })).forgetMatching).toBe(travel);
    expect((await ok(alice, COUNT, {})).count).toBe(before - travel);
    expect((await ok(bob, COUNT, { filter: { tagsAny: ["travel"] } })).count).toBe(1); // bob's untouched
    expect(await codeOf(alice, `mutation($f: MemoryFilter!) { forgetMatching(filter: $f) }`, { f: {} })).toBe("UPDATE_EMPTY");
  });

  it.each([
    ["a scope over 256 bytes", { text: "x", scope: "s".repeat(257) }, "SCOPE_TOO_LONG"],
    ["an empty scope level", { text: "x", scope: "a//b" }, "SCOPE_INVALID"],
    ["too many tags", { text: "x", tags: Array.from({ length: 17 }, (_, i) => `t${i}`) }, "TOO_MANY_TAGS"],
    ["a tag over 64 bytes", { text: "x", tags: ["t".repeat(65)] }, "TAG_TOO_LONG"],
    ["a control character in a tag", { text: "x", tags: ["a\u0000b"] }, "TAG_INVALID"],
    ["expiresAt in the past", { text: "x", expiresAt: "2020-01-01T00:00:00Z" }, "EXPIRES_IN_PAST"],
    ["expiresAt without a time zone", { text: "x", expiresAt: "2099-01-01T00:00:00" }, "BAD_TIMESTAMP"],
  ])("refuses %s with a stable code, writing nothing", async (_label, input, code) => {
    const alice = `Bearer ${await t.token("alice-refusals")}`;
    const before = (await pendingCount()) + (await sealedCount());
    expect(await codeOf(alice, REMEMBER_MANY, { inputs: [input] })).toBe(code);
    expect((await pendingCount()) + (await sealedCount())).toBe(before);
  });

  it("refuses oversized filters and thresholds out of range", async () => {
    const alice = `Bearer ${await t.token("alice-refusals")}`;
    expect(await codeOf(alice, MEMORIES, { filter: { tagsAny: Array.from({ length: 17 }, (_, i) => `t${i}`) } })).toBe("FILTER_TOO_LARGE");
    expect(await codeOf(alice, SEARCH, { query: "x", maxDistance: 3 })).toBe("BAD_THRESHOLD");
    expect(await codeOf(alice, SEARCH, {})).toBe("EMBEDDING_OR_QUERY");
    expect(await codeOf(alice, COUNT, { filter: { createdAfter: "yesterday" } })).toBe("BAD_TIMESTAMP");
  });
});
