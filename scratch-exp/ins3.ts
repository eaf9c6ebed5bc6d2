import pg from "pg";
import { randomUUID, createSecretKey, randomBytes } from "node:crypto";
import fs from "node:fs";
import { memoryTerms } from "../src/worker/sealRows.ts";
const c = new pg.Client({ connectionString: process.argv[2] }); await c.connect();
const key = createSecretKey(randomBytes(32));
const tenant = "ef".repeat(32);
const vec = `[${Array.from({ length: 384 }, (_, i) => ((i % 7) + 1) / 10).join(",")}]`;
const dl = JSON.parse(fs.readFileSync("/work/shared/testdata/dl19/bm25_top100_dl19.json", "utf8")).flatMap((q: any) => q.hits.map((h: any) => h.content));
for (let rep = 0; rep < 3; rep++) {
const docs = Array.from({ length: 500 }, (_, i) => ({ id: randomUUID(), text: dl[i + rep * 500]! }));
const terms = memoryTerms(key, tenant, docs);
const rows = terms.flatMap((m) => [{ id: m.id, hash: Buffer.alloc(0), f: m.length, l: m.length }, ...m.hashes.map((h, i) => ({ id: m.id, hash: h, f: m.frequencies[i]!, l: m.length }))]);
await c.query("begin");
await c.query("alter table memvault.memory_terms drop constraint memory_terms_memory_fkey");
// keep the memory index
await c.query(`insert into memvault.memory_chunks (user_hash, id, key_version, text_cipher, meta_cipher, emb_cipher, embedding) select $1, u, 1, '\\x01', '\\x02', '\\x03', $3::public.vector from unnest($2::uuid[]) u`, [tenant, docs.map((d) => d.id), vec]);
await c.query("set local role memvault_worker"); await c.query(`set local app.user_hash = '${tenant}'`);
const t = performance.now();
await c.query(`insert into memvault.memory_terms (user_hash, term_hash, memory_id, frequency, memory_length) select $1::text, u.h, u.i, u.f, u.l from unnest($2::bytea[], $3::uuid[], $4::integer[], $5::integer[]) as u(h, i, f, l)`, [tenant, rows.map((r) => r.hash), rows.map((r) => r.id), rows.map((r) => r.f), rows.map((r) => r.l)]);
console.log("unnest, no fk, memory index kept", (performance.now() - t).toFixed(0), "ms per 500", rows.length);
await c.query("rollback");
}
await c.end();
