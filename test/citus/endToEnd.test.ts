// Two tenants end to end over GraphQL on Citus, their shards on different worker nodes:
// remember → sealed by a real worker process → memories → search with rerank → forget,
// never each other's. The API and the worker are the single-node ones, unchanged.
import { randomBytes } from "node:crypto";
import { parseKeyring } from "../../src/crypto/keyring.ts";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hmacUser } from "../../src/crypto/hmacUser.ts";
import { createKeyringProvider } from "../../src/crypto/keyringProvider.ts";
import { withTenantFrom } from "../../src/db/withTenant.ts";
import { openTenantKeys } from "../../src/keys/openTenantKeys.ts";
import { withTenantKeys } from "../../src/keys/withTenantKeys.ts";
import { tenantSealer } from "../support/tenantSealer.ts";
import { chunkContext } from "../../src/crypto/sealContexts.ts";
import { useApiFixture, vec } from "../support/apiFixture.ts";
import { citusCluster, nodePortOf, tenantsOnEachNode, workerNodeUrl } from "../support/citusNodes.ts";
import { makeModelDirs } from "../support/testModelDirs.ts";
import { waitFor } from "../support/waitFor.ts";
import { useKeyringDatabase } from "../support/keyringDatabase.ts";
import { startWorker, type WorkerProcess } from "../support/workerProcess.ts";

const fx = useKeyringDatabase();
const t = useApiFixture(fx);
const { gql, token } = t;
const run = randomBytes(4).toString("hex");
let worker: WorkerProcess;
let models: ReturnType<typeof makeModelDirs>;
let alice: string;
let bob: string;
let hashOf: (sub: string) => string;

const REMEMBER = `mutation($input: RememberInput!) { remember(input: $input) { id status } }`;
const MEMORIES = `query { memories(first: 10) { nodes { id text meta error } } }`;
const SEARCH = `query($e: [Float!]!, $q: String) { search(embedding: $e, query: $q, k: 2) { reranked rerankSkipReason hits { distance score memory { id text } } } }`;

beforeAll(async () => {
  const keyring = parseKeyring("test", JSON.stringify(fx.doc));
  hashOf = (sub) => hmacUser(keyring, sub);
  [alice, bob] = (await tenantsOnEachNode(fx.root, `e2e-${run}`, hashOf)) as [string, string];
  models = makeModelDirs(["overlap"]);
  worker = await startWorker(fx.db, { MEMVAULT_KEYRING_FILE: fx.keyringFile, RERANK_MODEL_DIR: models.dir("overlap") }, { scope: "file" });
});
afterAll(async () => {
  await worker.stop();
  models.remove();
});

/** Chunks of a tenant counted on a worker node directly (the superuser sees every row). */
async function countOnNode(index: number, userHash: string): Promise<number> {
  const node = new pg.Client({ connectionString: workerNodeUrl(index, "postgres") });
  await node.connect();
  try {
    await node.query("set citus.override_table_visibility = off");
    const { rows } = await node.query<{ shard: string }>(
      `select c.relname::text as shard from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'memvault' and c.relname ~ '^memory_chunks_[0-9]+$' and c.relkind = 'r'`,
    );
    let total = 0;
    for (const { shard } of rows) {
      total += (await node.query<{ n: number }>(`select count(*)::int as n from memvault.${node.escapeIdentifier(shard)} where user_hash = $1::text`, [userHash])).rows[0]!.n;
    }
    return total;
  } finally {
    await node.end();
  }
}

describe("Citus: the API end to end", () => {
  it("two tenants on two nodes: remember, sealed, memories, search with rerank, forget; never each other's", async () => {
    const a = `Bearer ${await token(alice)}`;
    const b = `Bearer ${await token(bob)}`;
    const [ha, hb] = [hashOf(alice), hashOf(bob)];
    const nodes = citusCluster().workers.map((w) => w.port);
    expect(nodes.indexOf(await nodePortOf(fx.root, ha))).toBe(0);
    expect(nodes.indexOf(await nodePortOf(fx.root, hb))).toBe(1);

    const texts = ["Paris is the capital of France.", "Bananas are yellow.", "Berlin is in Germany."];
    const ids: string[] = [];
    for (const [i, text] of texts.entries()) {
      const r = await gql(a, REMEMBER, { input: { text, meta: { i }, embedding: vec(i) } });
      expect(r.body.errors).toBeUndefined();
      ids.push(r.body.data.remember.id);
    }
    expect((await gql(b, REMEMBER, { input: { text: "bob's secret", embedding: vec(0) } })).body.errors).toBeUndefined();
    await waitFor("sealed on the shards", async () =>
      (await fx.root.query("select count(*)::int as n from memvault.memory_chunks where user_hash = any($1::text[])", [[ha, hb]])).rows[0].n === 4,
    );
    expect((await fx.root.query("select count(*)::int as n from memvault.chunk_ingest where user_hash = any($1::text[])", [[ha, hb]])).rows[0].n).toBe(0);
    // Each tenant's rows are on its own node, and only there.
    expect([await countOnNode(0, ha), await countOnNode(1, ha)]).toEqual([3, 0]);
    expect([await countOnNode(0, hb), await countOnNode(1, hb)]).toEqual([0, 1]);

    expect((await gql(a, MEMORIES)).body.data.memories.nodes.map((n: { text: string }) => n.text).sort()).toEqual([...texts].sort());
    expect((await gql(b, MEMORIES)).body.data.memories.nodes.map((n: { text: string }) => n.text)).toEqual(["bob's secret"]);

    const search = await gql(a, SEARCH, { e: vec(1), q: "what is the capital of france" });
    expect(search.body.errors).toBeUndefined();
    expect(search.body.data.search.reranked).toBe(true);
    expect(search.body.data.search.hits[0].memory.text).toBe("Paris is the capital of France.");
    const bobSearch = await gql(b, SEARCH, { e: vec(0), q: null });
    expect(bobSearch.body.data.search.hits.map((h: { memory: { text: string } }) => h.memory.text)).toEqual(["bob's secret"]);

    // Bob cannot read or forget Alice's memories, even by id.
    const byId = await gql(b, `query($id: String!) { memory(id: $id) { status } }`, { id: ids[0] });
    expect(byId.body.data.memory).toBeNull();
    expect((await gql(b, `mutation($id: String!) { forget(id: $id) }`, { id: ids[0] })).body.data.forget).toBe(0);
    expect((await gql(a, `mutation($id: String!) { forget(id: $id) }`, { id: ids[0] })).body.data.forget).toBe(1);
    expect((await gql(a, `mutation { forgetAll { sealed pending searches } }`)).body.data.forgetAll).toMatchObject({ sealed: 2 });
    expect(await countOnNode(0, ha)).toBe(0);
    expect((await gql(b, MEMORIES)).body.data.memories.nodes).toHaveLength(1);
  });

  it("re-sealing onto a new key of the tenant's own (tenant rotate-key) claims and updates its rows on its shard, and they open under the new key", async () => {
    const [carol] = (await tenantsOnEachNode(fx.root, `e2e-reseal-${run}`, hashOf)) as [string, string];
    const c = `Bearer ${await token(carol)}`;
    const h = hashOf(carol);
    const r = await gql(c, `mutation($i: [RememberInput!]!) { rememberMany(inputs: $i) { id } }`, {
      i: Array.from({ length: 5 }, (_, i) => ({ text: `carol memory ${i}`, embedding: vec(20 + i) })),
    });
    expect(r.body.errors).toBeUndefined();
    await waitFor("sealed", async () => (await fx.root.query("select count(*)::int as n from memvault.memory_chunks where user_hash = $1::text", [h])).rows[0].n === 5);

    // What `memvault tenant rotate-key` does: a new sealing key in the tenant's transaction, then its re-seal job.
    const keys = openTenantKeys(createKeyringProvider({ variable: "MEMVAULT_KEYRING_FILE", file: fx.keyringFile }));
    const app = new pg.Pool({ connectionString: fx.db.url("authenticator"), max: 1 });
    try {
      const { sealVersion } = await withTenantKeys(withTenantFrom(app, { userHash: h, role: "memvault_user" }), keys, h)((tx) => keys.addSealingKey(tx, h));
      expect(sealVersion).toBe(2);
    } finally {
      await app.end();
    }
    await fx.root.query("select graphile_worker.add_job('reseal_chunks', json_build_object('userHash', $1::text))", [h]);
    await waitFor("re-sealed", async () =>
      (await fx.root.query("select count(*)::int as n from memvault.memory_chunks where user_hash = $1::text and key_version = 0 and substr(text_cipher, 1, 5) = '\\x0200000002'::bytea", [h])).rows[0].n === 5,
    );
    const sealer = await tenantSealer(fx.db.url("worker"), keys, h);
    const { rows } = await fx.root.query("select id::text, text_cipher from memvault.memory_chunks where user_hash = $1::text order by id", [h]);
    expect(rows.map((row) => sealer.openSealed(row.text_cipher, chunkContext(h, row.id, "text")).toString()).sort()).toEqual(
      Array.from({ length: 5 }, (_, i) => `carol memory ${i}`),
    );
  });
});
