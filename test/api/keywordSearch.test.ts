// Keyword and hybrid search over GraphQL, with a real worker writing the term blind
// indexes: each mode, the hit fields each leg fills, occurredAt and its filters, update /
// forget / expiry keeping the terms right, and no term plaintext in the database's files
// or the WAL. The embedder is the development word-hash one (texts sharing words are close).
import fs from "node:fs";
import path from "node:path";
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

const REMEMBER_MANY = `mutation($inputs: [RememberInput!]!) { rememberMany(inputs: $inputs) { id } }`;
const SEARCH = `query($query: String, $mode: SearchMode, $k: Int, $filter: MemoryFilter, $rerank: Boolean) {
  search(query: $query, mode: $mode, k: $k, filter: $filter, rerank: $rerank) { hits { distance keywordScore memory { id text occurredAt } } } }`;
const UPDATE = `mutation($id: String!, $patch: MemoryPatch!) { update(id: $id, patch: $patch) { id } }`;
const FORGET = `mutation($id: String!) { forget(id: $id) }`;

async function ok(auth: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await t.gql(auth, query, variables);
  if (res.body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(res.body.errors)}`);
  return res.body.data;
}
const codeOf = async (auth: string, query: string, variables: Record<string, unknown>) => (await t.gql(auth, query, variables)).body.errors?.[0]?.extensions?.code;
const termRows = async (id: string) => (await fx.root.query("select count(*)::int as n from memvault.memory_terms where memory_id = $1::uuid", [id])).rows[0].n as number;
const settle = () => waitFor("the worker to seal everything", async () => (await fx.root.query("select count(*)::int as n from memvault.chunk_ingest")).rows[0].n === 0, 30_000);
/** Tenants whose kept BM25 statistics differ from a count of their length rows (none, if every write path keeps them). */
const statsDrift = async () =>
  (
    await fx.root.query(`select count(*)::int as n from (select user_hash, count(*) as documents, sum(memory_length) as total from memvault.memory_terms where term_hash = '\\x'::bytea group by user_hash) t
      full join memvault.memory_term_stats s using (user_hash)
      where coalesce(s.documents, 0) <> coalesce(t.documents, 0) or coalesce(s.total_length, 0) <> coalesce(t.total, 0)`)
  ).rows[0].n as number;
type Hit = { distance: number | null; keywordScore: number | null; memory: { id: string; text: string; occurredAt: string | null } };
const hits = async (auth: string, variables: Record<string, unknown>): Promise<Hit[]> => (await ok(auth, SEARCH, { rerank: false, ...variables })).search.hits;

const TURNS = [
  { text: "Caroline: I went to the LGBTQ support group yesterday.", occurredAt: "2023-05-07T13:56:00Z" },
  { text: "Melanie: I painted a sunrise over the lake.", occurredAt: "2023-05-08T10:00:00Z" },
  { text: "Caroline: my passport number is ZX-4471, keep it safe.", occurredAt: "2023-06-01T09:30:00Z" },
  { text: "Melanie: we went camping with the kids and roasted marshmallows.", occurredAt: "2023-06-20T18:00:00Z" },
  { text: "Caroline: I feel glorpy today, odd word for a good mood." },
];

/** One test's own tenant with TURNS sealed. */
async function seed(label: string) {
  const auth = `Bearer ${await t.token(`keyword-${label}`)}`;
  const ids: string[] = (await ok(auth, REMEMBER_MANY, { inputs: TURNS })).rememberMany.map((r: { id: string }) => r.id);
  await settle();
  return { auth, ids };
}

describe("keyword and hybrid search", () => {
  it("each mode: keyword finds the rare token by BM25 alone, vector by distance alone, hybrid fills both where both legs found it", async () => {
    const { auth, ids } = await seed("modes");
    const keyword = await hits(auth, { query: "passport ZX-4471", mode: "KEYWORD", k: 3 });
    expect(keyword[0]!.memory.id).toBe(ids[2]);
    expect(keyword.every((h) => h.distance === null && h.keywordScore! > 0)).toBe(true);
    const vector = await hits(auth, { query: "passport ZX-4471", mode: "VECTOR", k: 3 });
    expect(vector.every((h) => h.keywordScore === null && h.distance !== null)).toBe(true);
    // Default with a query and an embedder: hybrid.
    const hybrid = await hits(auth, { query: "passport ZX-4471", k: 5 });
    expect(hybrid[0]!.memory.id).toBe(ids[2]);
    expect(hybrid[0]!.distance).not.toBeNull();
    expect(hybrid[0]!.keywordScore).toBeCloseTo(keyword[0]!.keywordScore!, 9);
    // A query with no indexed word finds nothing by keyword, and is no error.
    expect(await hits(auth, { query: "the and of", mode: "KEYWORD" })).toEqual([]);
  });

  it("refuses a mode its inputs cannot serve, with stable codes", async () => {
    const auth = `Bearer ${await t.token("keyword-refusals")}`;
    expect(await codeOf(auth, `query { search(mode: KEYWORD, embedding: [${Array(384).fill(0.1).join(",")}]) { hits { distance } } }`, {})).toBe("QUERY_REQUIRED");
    expect(await codeOf(auth, `query { search(mode: HYBRID) { hits { distance } } }`, {})).toBe("QUERY_REQUIRED");
    expect(await codeOf(auth, `query { search { hits { distance } } }`, {})).toBe("EMBEDDING_OR_QUERY");
    // A query of 1,296 distinct words (within QUERY_TOO_LONG's 4 KiB) is scored on its first 256 terms, not refused.
    const chars = "abcdefghijklmnopqrstuvwxyz0123456789";
    const many = [...chars].flatMap((a) => [...chars].map((b) => a + b)).join(" ");
    expect((await t.gql(auth, SEARCH, { query: many, mode: "KEYWORD", rerank: false })).body.errors).toBeUndefined();
  });

  it("occurredAt is kept, shown and filtered on by both legs", async () => {
    const { auth, ids } = await seed("occurred");
    const june = { occurredAfter: "2023-06-01T00:00:00Z", occurredBefore: "2023-07-01T00:00:00Z" };
    for (const mode of ["KEYWORD", "VECTOR", "HYBRID"]) {
      const found = await hits(auth, { query: "Caroline Melanie camping passport", mode, k: 10, filter: june });
      expect(found.map((h) => h.memory.id).sort(), mode).toEqual([ids[2], ids[3]].sort());
    }
    const [first] = await hits(auth, { query: "passport ZX-4471", mode: "KEYWORD", k: 1 });
    expect(first!.memory.occurredAt).toBe("2023-06-01T09:30:00.000Z");
  });

  it("update re-indexes the terms, forget and expiry remove them, and the BM25 statistics follow every write", async () => {
    const { auth, ids } = await seed("lifecycle");
    expect(await statsDrift()).toBe(0);
    const before = await termRows(ids[1]!);
    expect(before).toBeGreaterThan(1); // its terms and its length row
    await ok(auth, UPDATE, { id: ids[1], patch: { text: "Melanie: the violin recital went well." } });
    await settle();
    expect(await statsDrift()).toBe(0);
    expect((await hits(auth, { query: "sunrise lake", mode: "KEYWORD" })).map((h) => h.memory.id)).not.toContain(ids[1]);
    expect((await hits(auth, { query: "violin recital", mode: "KEYWORD" }))[0]!.memory.id).toBe(ids[1]);
    // A scope-only change keeps the text, and the terms stay those of the text.
    await ok(auth, UPDATE, { id: ids[1], patch: { scope: "session:2" } });
    await settle();
    expect((await hits(auth, { query: "violin recital", mode: "KEYWORD" }))[0]!.memory.id).toBe(ids[1]);
    expect(await ok(auth, FORGET, { id: ids[0] })).toEqual({ forget: 1 });
    expect(await termRows(ids[0]!)).toBe(0);
    expect(await statsDrift()).toBe(0);
    await ok(auth, UPDATE, { id: ids[3], patch: { expiresAt: new Date(Date.now() + 1_000).toISOString() } });
    await settle();
    await waitFor("the memory to expire", async () => !(await hits(auth, { query: "camping marshmallows", mode: "KEYWORD" })).some((h) => h.memory.id === ids[3]), 10_000);
    await waitFor("expire_memories to delete it and its terms", async () => (await termRows(ids[3]!)) === 0, 20_000);
    expect(await statsDrift()).toBe(0);
    await ok(auth, UPDATE, { id: ids[2], patch: { tags: ["secret"] } });
    await settle();
    expect(await ok(auth, `mutation { forgetMatching(filter: { tagsAny: ["secret"] }) }`)).toEqual({ forgetMatching: 1 });
    expect(await statsDrift()).toBe(0);
    await ok(auth, `mutation { forgetAll { sealed } }`);
    expect(await statsDrift()).toBe(0);
    expect(await hits(auth, { query: "glorpy mood", mode: "KEYWORD" })).toEqual([]);
  });

  it("keeps every term a blind index: no stemmed term in the database's files or the WAL", async () => {
    await seed("at-rest");
    await fx.root.query("checkpoint");
    const dataDir = inject("cluster").dataDir;
    const dbDir = path.join(dataDir, "base", String((await fx.root.query("select oid from pg_database where datname = current_database()")).rows[0].oid));
    const walDir = path.join(dataDir, "pg_wal");
    const files = [...fs.readdirSync(dbDir).map((f) => path.join(dbDir, f)), ...fs.readdirSync(walDir).filter((f) => /^[0-9A-F]{24}$/.test(f)).map((f) => path.join(walDir, f))];
    let textSeen = false;
    for (const file of files) {
      if (!fs.statSync(file).isFile()) continue;
      const bytes = fs.readFileSync(file);
      // Control: the text passed through chunk_ingest in plaintext, so the WAL holds "glorpy".
      if (bytes.includes(Buffer.from("glorpy today"))) textSeen = true;
      // "glorpy" stems to "glorpi" and "Melanie" to "melani": forms only the analyzer makes
      // (lowercased, stemmed). A term stored in plaintext would put them on disk.
      for (const term of ["glorpi", "melani"]) expect(bytes.includes(Buffer.from(term)), `${term} in ${file}`).toBe(false);
    }
    expect(textSeen).toBe(true);
  });
});
