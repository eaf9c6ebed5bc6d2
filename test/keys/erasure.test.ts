// Erasure by key destruction, end to end: GraphQL over HTTP, real worker processes, the
// tenants' keys wrapped on the run's SoftHSM2 token. From the erase's return nothing of
// the tenant opens or is returned; the purge then deletes its rows, terms, labels and
// search vectors and signs a receipt an auditor can check; a backup restored afterwards
// brings nothing of it back. Another tenant is untouched throughout.
import { spawnSync } from "node:child_process";
import { createPublicKey } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { verifyReceipt } from "../../src/crypto/erasureReceipt.ts";
import { hmacUser } from "../../src/crypto/hmacUser.ts";
import { createKeyringProvider } from "../../src/crypto/keyringProvider.ts";
import { parseKeyring } from "../../src/crypto/keyring.ts";
import { chunkContext } from "../../src/crypto/sealContexts.ts";
import { roleUrl } from "../../src/db/localCluster.ts";
import { PROJECT_ROOT } from "../../src/projectRoot.ts";
import { useApiFixture, vec } from "../support/apiFixture.ts";
import { useKeyringDatabase } from "../support/keyringDatabase.ts";
import { kekEnv } from "../support/kekEnv.ts";
import { tenantSealer } from "../support/tenantSealer.ts";
import { waitFor } from "../support/waitFor.ts";
import { startWorker } from "../support/workerProcess.ts";

const fx = useKeyringDatabase();
const t = useApiFixture(fx);
let backupDir: string;
beforeAll(() => void (backupDir = fs.mkdtempSync(path.join(os.tmpdir(), "mverase-"))));
afterAll(() => fs.rmSync(backupDir, { recursive: true, force: true }));

const REMEMBER_MANY = `mutation($inputs: [RememberInput!]!) { rememberMany(inputs: $inputs) { id } }`;
const READS = `query($e: [Float!]) { count memories(first: 50) { nodes { id text } } search(embedding: $e, k: 5, rerank: false) { hits { memory { id } } } }`;
const ERASE = `mutation { erase { id erasedAt keysDestroyed memories purgedAt receipt } }`;
const ERASURES = `{ erasures { id purgedAt memories receipt } }`;

const keyring = () => parseKeyring("test", JSON.stringify(fx.doc));
const hashOf = (user: string) => hmacUser(keyring(), user);
const tenantCount = async (table: string, userHash: string) => (await fx.root.query(`select count(*)::int as n from memvault.${table} where user_hash = $1`, [userHash])).rows[0].n as number;

async function gqlOk(auth: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await t.gql(auth, query, variables);
  if (res.body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(res.body.errors)}`);
  return res.body.data;
}

/** n labelled memories for `user`, sealed by a worker that is stopped again. */
async function remember(user: string, n: number, seed: number): Promise<string> {
  const auth = `Bearer ${await t.token(user)}`;
  const inputs = Array.from({ length: n }, (_, i) => ({ text: `${user} remembers thing ${i}`, embedding: vec(seed + i), tags: ["private", `n${i}`] }));
  await gqlOk(auth, REMEMBER_MANY, { inputs });
  await settle();
  return auth;
}

async function settle() {
  const worker = await startWorker(fx.db, { MEMVAULT_KEYRING_FILE: fx.keyringFile });
  try {
    await waitFor("the worker to seal everything", async () => (await fx.root.query("select count(*)::int as n from memvault.chunk_ingest")).rows[0].n === 0, 30_000);
  } finally {
    await worker.stop();
  }
}

async function purge(userHash: string) {
  const worker = await startWorker(fx.db, { MEMVAULT_KEYRING_FILE: fx.keyringFile, PURGE_BATCH_SIZE: "2", PURGE_DUTY_PERCENT: "100" });
  try {
    await waitFor("the purge", async () => (await fx.root.query("select purged_at from memvault.tenant_erasures where user_hash = $1 and purged_at is not null", [userHash])).rows.length > 0, 30_000);
  } finally {
    await worker.stop();
  }
}

/** What a tenant sees: counts, listed memories, search hits. */
async function sees(auth: string, seed: number) {
  const d = await gqlOk(auth, READS, { e: vec(seed) });
  return { count: d.count as number, listed: d.memories.nodes.length as number, hits: d.search.hits.length as number };
}

const cli = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(PROJECT_ROOT, "src/cli/main.ts"), ...args], {
    encoding: "utf8",
    env: {
      PATH: process.env.PATH,
      ...kekEnv(),
      DATABASE_URL: fx.db.url("owner"),
      ROOT_DATABASE_URL: roleUrl(inject("cluster"), "root", "postgres"),
      AUTHENTICATOR_DATABASE_URL: fx.db.url("authenticator"),
      MEMVAULT_KEYRING_FILE: fx.keyringFile,
      MEMVAULT_BACKUP_DIR: backupDir,
      LOG_LEVEL: "warn",
    },
  });

describe("erasure by key destruction", () => {
  it("leaves nothing of the tenant readable at once, purges it, and signs a receipt that verifies (a tampered one does not); another tenant is untouched", async () => {
    const alice = await remember("erase alice", 6, 10);
    const bob = await remember("erase bob", 3, 40);
    const A = hashOf("erase alice");
    const bobBefore = await sees(bob, 40);
    expect(await sees(alice, 10)).toEqual({ count: 6, listed: 6, hits: 5 });

    const erased = (await gqlOk(alice, ERASE)).erase;
    expect(erased).toMatchObject({ keysDestroyed: 2, memories: 6, purgedAt: null, receipt: null });
    // No worker has run: the rows are all still there, and nothing of them is readable.
    expect(await tenantCount("memory_chunks", A)).toBe(6);
    expect(await tenantCount("tenant_keys", A)).toBe(0);
    expect(await sees(alice, 10)).toEqual({ count: 0, listed: 0, hits: 0 });
    const write = await t.gql(alice, REMEMBER_MANY, { inputs: [{ text: "while erasing", embedding: vec(1) }] });
    expect(write.body.errors?.[0]?.extensions?.code).toBe("TENANT_ERASING");
    const sealer = await tenantSealer(fx.db.url("worker"), createKeyringProvider({ variable: "MEMVAULT_KEYRING_FILE", file: fx.keyringFile }), A);
    const row = (await fx.root.query("select id, text_cipher from memvault.memory_chunks where user_hash = $1 limit 1", [A])).rows[0];
    expect(thrownCode(() => sealer.openSealed(row.text_cipher, chunkContext(A, row.id, "text")))).toBe("SEAL_UNKNOWN_KEY");
    expect(await sees(bob, 40)).toEqual(bobBefore);

    await purge(A);
    for (const table of ["memory_chunks", "memory_terms", "memory_labels", "memory_term_stats", "chunk_ingest", "search_requests", "tenant_keys"]) {
      expect(await tenantCount(table, A), table).toBe(0);
    }
    const [done] = (await gqlOk(alice, ERASURES)).erasures;
    expect(done).toMatchObject({ id: erased.id, memories: 6 });
    const receipt = JSON.parse(done.receipt);
    const publicKey = createPublicKey(keyring().receiptKey);
    expect(verifyReceipt(receipt, publicKey).receipt).toMatchObject({ userHash: A, erasureId: erased.id, memoriesPurged: 6, memoriesAtErasure: 6 });
    expect(receipt.receipt.keysDestroyed).toHaveLength(2);
    const tampered = { ...receipt, receipt: { ...receipt.receipt, memoriesPurged: 5 } };
    expect(thrownCode(() => verifyReceipt(tampered, publicKey))).toBe("RECEIPT_INVALID");
    // As an auditor checks it: the public key on its own, the CLI.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mvreceipt-"));
    try {
      fs.writeFileSync(path.join(dir, "key.pem"), cli("tenant", "receipt", "--print-public-key").stdout);
      fs.writeFileSync(path.join(dir, "good.json"), JSON.stringify(receipt, null, 4));
      fs.writeFileSync(path.join(dir, "bad.json"), JSON.stringify(tampered));
      const good = cli("tenant", "receipt", "--verify", path.join(dir, "good.json"), "--public-key", path.join(dir, "key.pem"));
      expect(good.status, good.stderr).toBe(0);
      expect(good.stderr).toMatch(/valid: tenant [0-9a-f]{12}… erased at/);
      const bad = cli("tenant", "receipt", "--verify", path.join(dir, "bad.json"), "--public-key", path.join(dir, "key.pem"));
      expect(bad.status).toBe(1);
      expect(bad.stderr).toMatch(/RECEIPT_INVALID/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    // Purged, the user may come back: new keys, and only what they write from now on.
    await gqlOk(alice, REMEMBER_MANY, { inputs: [{ text: "a fresh start", embedding: vec(99) }] });
    await settle();
    expect(await sees(alice, 99)).toEqual({ count: 1, listed: 1, hits: 1 });
    expect(await sees(bob, 40)).toEqual(bobBefore);
  });

  it("backup, erase, restore: nothing of the tenant opens or is returned, embeddings included; another tenant is untouched", async () => {
    const carol = await remember("erase carol", 4, 60);
    const dave = await remember("erase dave", 2, 80);
    const C = hashOf("erase carol");
    const daveBefore = await sees(dave, 80);
    const backup = cli("deploy", "backup", "--database", fx.db.name);
    expect(backup.status, backup.stderr).toBe(0);
    const carolKeys = (await fx.root.query("select version, key_id, kek_id, wrapped from memvault.tenant_keys where user_hash = $1", [C])).rows;
    expect(carolKeys).toHaveLength(2);

    await gqlOk(carol, ERASE);
    await purge(C);
    expect(await tenantCount("memory_chunks", C)).toBe(0);

    // The restore ends every session on the database it replaces, the fixture's pools' too.
    const ignore = () => {};
    fx.root.on("error", ignore);
    const restored = cli("deploy", "rollback", "--database", fx.db.name, "--from-backup", "--yes");
    expect(restored.status, restored.stdout + restored.stderr).toBe(0);
    expect(restored.stdout + restored.stderr).toMatch(/erasures\s+PASS\s+1 erasure\(s\) the backup predates done again/);
    await waitFor("the restored database", async () => (await tenantCount("memory_chunks", C).catch(() => undefined)) !== undefined);
    fx.root.off("error", ignore);
    await dropReplaced(restored.stdout + restored.stderr);

    // The backup's rows are back, plaintext search vectors included; the keys were deleted again at once.
    expect(await tenantCount("memory_chunks", C)).toBe(4);
    expect(await tenantCount("tenant_keys", C)).toBe(0);
    expect(await sees(carol, 60)).toEqual({ count: 0, listed: 0, hits: 0 });
    // Even with its keys put back as the backup had them, nothing opens: the ledger refuses them.
    for (const k of carolKeys) {
      await fx.root.query("insert into memvault.tenant_keys (user_hash, version, key_id, kek_id, wrapped) values ($1, $2, $3, $4, $5)", [C, k.version, k.key_id, k.kek_id, k.wrapped]);
    }
    expect(await sees(carol, 60)).toEqual({ count: 0, listed: 0, hits: 0 });
    const sealer = await tenantSealer(fx.db.url("worker"), createKeyringProvider({ variable: "MEMVAULT_KEYRING_FILE", file: fx.keyringFile }), C);
    for (const r of (await fx.root.query("select id, text_cipher, emb_cipher from memvault.memory_chunks where user_hash = $1", [C])).rows) {
      expect(thrownCode(() => sealer.openSealed(r.text_cipher, chunkContext(C, r.id, "text")))).toBe("SEAL_UNKNOWN_KEY");
    }
    expect(await sees(dave, 80)).toEqual(daveBefore);

    // The purge the restore queued runs with the next worker: rows and vectors gone.
    await purge(C);
    for (const table of ["memory_chunks", "memory_terms", "memory_labels", "tenant_keys"]) expect(await tenantCount(table, C), table).toBe(0);
    expect(await sees(dave, 80)).toEqual(daveBefore);
  });
});

function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

/** The restore keeps the replaced database; dropped here, as the operator would once satisfied. */
async function dropReplaced(out: string) {
  const replaced = /the replaced database is kept as (\S+)/.exec(out)?.[1];
  if (!replaced) return;
  const root = new pg.Client({ connectionString: roleUrl(inject("cluster"), "root", "postgres") });
  await root.connect();
  try {
    await root.query(`drop database if exists ${root.escapeIdentifier(replaced)}`);
  } finally {
    await root.end();
  }
}
