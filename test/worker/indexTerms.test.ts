// Memories sealed before keyword search existed get their terms from an index_terms job:
// request_term_index() (a superuser) queues one per tenant that has such memories, and a real
// worker opens their text and writes their terms, after which keyword search finds them and
// the tenant's statistics count them.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { termHash } from "../../src/crypto/blindIndex.ts";
import { createSealer } from "../../src/crypto/seal.ts";
import { chunkContext } from "../../src/crypto/sealContexts.ts";
import { withTenantFrom } from "../../src/db/withTenant.ts";
import { indexTerms } from "../../src/keyword/analyzeText.ts";
import { searchKeyword } from "../../src/sql/searchKeyword.ts";
import { useKeyringDatabase } from "../support/keyringDatabase.ts";
import { keyringFrom } from "../support/keyrings.ts";
import { tenantHash } from "../support/tenant.ts";
import { waitFor } from "../support/waitFor.ts";
import { startWorker, type WorkerProcess } from "../support/workerProcess.ts";

const fx = useKeyringDatabase();
const T = tenantHash("index terms");
const vec = `[${Array.from({ length: 384 }, (_, i) => ((i % 7) + 1) / 10).join(",")}]`;
const TEXTS = Array.from({ length: 1_200 }, (_, i) => `memory number ${i} about ${i % 3 === 0 ? "quokkas" : "wombats"} and tea`);
let worker: WorkerProcess;
let authenticator: pg.Pool;
let owner: pg.Pool;

beforeAll(async () => {
  // Sealed as the worker seals (the test's keyring), but without terms: as before 000019.
  const sealer = createSealer(keyringFrom(fx.doc));
  const ids = TEXTS.map(() => randomUUID());
  const seal = (id: string, field: "text" | "meta" | "embedding", value: string) => sealer.seal(Buffer.from(value), chunkContext(T, id, field));
  await fx.root.query(
    `insert into memvault.memory_chunks (user_hash, id, key_version, text_cipher, meta_cipher, emb_cipher, embedding)
     select $1::text, u.id, $2::integer, u.t, u.m, u.e, $6::public.vector from unnest($3::uuid[], $4::bytea[], $5::bytea[], $7::bytea[]) as u(id, t, m, e)`,
    [T, keyringFrom(fx.doc).primaryVersion, ids, ids.map((id, i) => seal(id, "text", TEXTS[i]!)), ids.map((id) => seal(id, "meta", "{}")), vec, ids.map((id) => seal(id, "embedding", "x"))],
  );
  worker = await startWorker(fx.db, { MEMVAULT_KEYRING_FILE: fx.keyringFile, SEAL_BATCH_SIZE: "500" }, { scope: "file" });
  authenticator = fx.db.pool("authenticator");
  owner = fx.db.pool("owner");
});
afterAll(async () => {
  await worker.stop();
  await Promise.all([authenticator.end(), owner.end()]);
});

const search = (text: string, k: number) =>
  withTenantFrom(authenticator, { userHash: T, role: "memvault_user" })((tx) =>
    searchKeyword(tx, { ...indexTerms(text, (t) => termHash(keyringFrom(fx.doc).termKey, T, t)), k1: 1.2, b: 0.75 }, k),
  );

describe("index_terms", () => {
  it("indexes every memory sealed without terms, in batches, and keyword search then finds them", async () => {
    expect(await search("quokkas", 5)).toEqual([]);
    expect((await fx.root.query("select memvault.request_term_index() as n")).rows[0].n).toBe(1);
    await waitFor("every memory to have its terms", async () => (await fx.root.query("select count(*)::int as n from memvault.memory_terms where user_hash = $1 and term_hash = '\\x'::bytea", [T])).rows[0].n === TEXTS.length, 30_000);
    expect((await search("quokkas", 500)).length).toBe(400);
    const stats = (await fx.root.query("select documents::int as d from memvault.memory_term_stats where user_hash = $1", [T])).rows[0];
    expect(stats.d).toBe(TEXTS.length);
    // Nothing left to index: no job queued again.
    expect((await fx.root.query("select memvault.request_term_index() as n")).rows[0].n).toBe(0);
  });

  it("refuses to be asked by anyone but a superuser (it lists every tenant)", async () => {
    await expect(owner.query("select memvault.request_term_index()")).rejects.toMatchObject({ code: "42501" });
  });
});
