// Faults on Citus, with a real worker process and the API over HTTP: a worker node that
// crashes while its tenants' rows wait to be sealed, and a shard moved to the other node
// while its tenant keeps writing. Nothing may be lost, duplicated, or shown to anyone else.
import { randomBytes } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { hmacUser } from "../../src/crypto/hmacUser.ts";
import { parseKeyring } from "../../src/crypto/keyring.ts";
import { startCluster, stopNode } from "../../src/db/localCluster.ts";
import { useApiFixture, vec, type GqlBody } from "../support/apiFixture.ts";
import { citusCluster, nodePortOf, tenantsOnEachNode } from "../support/citusNodes.ts";
import { waitFor } from "../support/waitFor.ts";
import { useKeyringDatabase } from "../support/keyringDatabase.ts";
import { startWorker, type WorkerProcess } from "../support/workerProcess.ts";

const fx = useKeyringDatabase();
const t = useApiFixture(fx);
const { gql, token } = t;
const run = randomBytes(4).toString("hex");
let hashOf: (sub: string) => string;
let worker: WorkerProcess | undefined;

const REMEMBER = `mutation($input: RememberInput!) { remember(input: $input) { id status } }`;
const REMEMBER_MANY = `mutation($i: [RememberInput!]!) { rememberMany(inputs: $i) { id } }`;
const MEMORIES = `query($after: String) { memories(first: 100, after: $after) { nodes { id text error } endCursor hasNextPage } }`;
const SEARCH = `query($e: [Float!]!) { search(embedding: $e, k: 3) { hits { memory { id text } } } }`;
const codeOf = (body: GqlBody) => body.errors?.[0]?.extensions?.code;

/** Every memory of the bearer, page by page. */
async function allMemories(auth: string): Promise<{ id: string; text: string; error: string | null }[]> {
  const out: { id: string; text: string; error: string | null }[] = [];
  for (let after: string | null = null; ; ) {
    const res = await gql(auth, MEMORIES, { after });
    expect(res.body.errors).toBeUndefined();
    const page = res.body.data.memories;
    out.push(...page.nodes);
    if (!page.hasNextPage) return out;
    after = page.endCursor;
  }
}

beforeAll(() => {
  const keyring = parseKeyring("test", JSON.stringify(fx.doc));
  hashOf = (sub) => hmacUser(keyring, sub);
});
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  // Whatever a test did, every node is up for the next.
  for (const w of citusCluster().workers) await startCluster(w);
});

const count = async (table: string, userHash: string) =>
  (await fx.root.query<{ n: number; ids: number }>(`select count(*)::int as n, count(distinct id)::int as ids from memvault.${table} where user_hash = $1::text`, [userHash])).rows[0]!;

describe("Citus: faults", () => {
  it("a worker node crashes with rows queued: its tenants get DB_UNAVAILABLE, others keep working; after a restart every row is sealed once", async () => {
    const [carol, dave] = (await tenantsOnEachNode(fx.root, `fault-${run}`, hashOf)) as [string, string];
    const c = `Bearer ${await token(carol)}`;
    const d = `Bearer ${await token(dave)}`;
    const inputs = (who: string, n: number) => Array.from({ length: n }, (_, i) => ({ text: `${who} memory ${i}`, embedding: vec(i) }));
    // Queued while every node is up and no worker runs: then dave's node crashes.
    const carolIds = (await gql(c, REMEMBER_MANY, { i: inputs("carol", 20) })).body.data.rememberMany.map((r: { id: string }) => r.id);
    const daveIds = (await gql(d, REMEMBER_MANY, { i: inputs("dave", 20) })).body.data.rememberMany.map((r: { id: string }) => r.id);
    expect(daveIds).toHaveLength(20);
    stopNode(citusCluster().workers[1]!, "immediate");
    worker = await startWorker(fx.db, { MEMVAULT_KEYRING_FILE: fx.keyringFile });

    // Carol's node is up: her rows are sealed, and she reads, writes and searches.
    await waitFor("carol's rows sealed", async () => (await count("memory_chunks", hashOf(carol))).n === 20);
    const more = await gql(c, REMEMBER, { input: { text: "carol during the outage", embedding: vec(40) } });
    expect(more.body.errors).toBeUndefined();
    await waitFor("carol's new row sealed", async () => (await count("memory_chunks", hashOf(carol))).n === 21);
    const carolMemories = (await allMemories(c)).map((n) => n.text);
    expect(carolMemories).toHaveLength(21);
    expect(carolMemories.every((x) => x.startsWith("carol"))).toBe(true);
    expect((await gql(c, SEARCH, { e: vec(40) })).body.data.search.hits[0].memory.text).toBe("carol during the outage");

    // Dave's shard is on the stopped node: a coded error, never data, never INTERNAL.
    for (const [query, vars] of [[MEMORIES, {}], [SEARCH, { e: vec(1) }], [REMEMBER, { input: { text: "dave during the outage", embedding: vec(41) } }]] as const) {
      const res = await gql(d, query, vars);
      expect(codeOf(res.body), query).toBe("DB_UNAVAILABLE");
      expect(res.body.data ?? null).toBeNull();
      expect(JSON.stringify(res.body)).not.toMatch(/carol|127\.0\.0\.1|memvault_|select /);
    }
    // His queued rows wait with a coded reason; none is lost.
    await waitFor("a failed seal attempt recorded", async () =>
      (await fx.root.query("select count(*)::int as n from memvault.chunk_ingest where user_hash = $1::text and last_error like 'PG_08%'", [hashOf(dave)])).rows[0].n > 0,
    );
    // Nor can he read a pending one: his keys are colocated with his rows, and each of his
    // transactions reads them first.
    const state = await gql(d, `query($id: String!) { memory(id: $id) { status lastError } }`, { id: daveIds[0] });
    expect(codeOf(state.body)).toBe("DB_UNAVAILABLE");
    expect((await count("chunk_ingest", hashOf(dave))).n).toBe(20);

    // Back up: the worker's retries seal every queued row, exactly once.
    await startCluster(citusCluster().workers[1]!);
    await waitFor("dave's rows sealed after the restart", async () => (await count("chunk_ingest", hashOf(dave))).n === 0, 180_000, 500);
    expect(await count("memory_chunks", hashOf(dave))).toEqual({ n: 20, ids: 20 });
    const daveMemories = await allMemories(d);
    expect(daveMemories.map((m) => m.id).sort()).toEqual([...daveIds].sort());
    expect(daveMemories.every((m) => m.error === null && m.text.startsWith("dave memory"))).toBe(true);
    expect(carolIds).toHaveLength(20);
  });

  it("a shard moved to the other node under live writes loses nothing", async () => {
    const [erin] = (await tenantsOnEachNode(fx.root, `move-${run}`, hashOf)) as [string, string];
    const e = `Bearer ${await token(erin)}`;
    const from = await nodePortOf(fx.root, hashOf(erin));
    const to = citusCluster().workers.find((w) => w.port !== from)!.port;
    worker = await startWorker(fx.db, { MEMVAULT_KEYRING_FILE: fx.keyringFile });

    const accepted: string[] = [];
    const errors: string[] = [];
    let searches = 0;
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const r = await gql(e, REMEMBER, { input: { text: `erin memory ${i}`, embedding: vec(i) } });
        if (r.body.errors) errors.push(String(codeOf(r.body)));
        else accepted.push(r.body.data.remember.id);
        if (i % 5 === 0) {
          const s = await gql(e, SEARCH, { e: vec(i) });
          if (s.body.errors) errors.push(String(codeOf(s.body)));
          else searches++;
        }
      }
    })();
    await waitFor("writes before the move", () => accepted.length >= 10);
    const shard = (await fx.root.query<{ id: string }>("select pg_catalog.get_shard_id_for_distribution_column('memvault.memory_chunks', $1::text)::text as id", [hashOf(erin)])).rows[0]!.id;
    const before = accepted.length;
    // block_writes (logical moves cannot apply into forced-RLS tables on PostgreSQL 15):
    // writes to the shard wait for the copy; remember writes the coordinator and goes on.
    await fx.root.query(
      "select pg_catalog.citus_move_shard_placement($1::bigint, '127.0.0.1', $2::integer, '127.0.0.1', $3::integer, shard_transfer_mode := 'block_writes')",
      [shard, from, to],
    );
    const atMove = accepted.length;
    await waitFor("writes after the move", () => accepted.length >= atMove + 10);
    stop = true;
    await writer;

    expect(await nodePortOf(fx.root, hashOf(erin))).toBe(to);
    expect(accepted.length).toBeGreaterThan(before + 10);
    expect(errors).toEqual([]);
    expect(searches).toBeGreaterThan(0);
    await waitFor("every accepted row sealed", async () => (await count("chunk_ingest", hashOf(erin))).n === 0);
    expect(await count("memory_chunks", hashOf(erin))).toEqual({ n: accepted.length, ids: accepted.length });
    const nodes = await allMemories(e);
    expect(nodes.map((n) => n.id).sort()).toEqual([...accepted].sort());
    expect(nodes.every((n) => n.error === null)).toBe(true);
    // No transaction was left open on any node (a leaked remote transaction would hold locks).
    const open = await fx.root.query("select count(*)::int as n from pg_catalog.citus_stat_activity where state = 'idle in transaction' and now() - state_change > interval '5 seconds'");
    expect(open.rows[0].n).toBe(0);
  });
});
