import pg from "pg";
import { randomUUID, createSecretKey, randomBytes } from "node:crypto";
import fs from "node:fs";
import { memoryTerms } from "../src/worker/sealRows.ts";
import { replaceMemoryTerms } from "../src/sql/replaceMemoryTerms.ts";
const c = new pg.Client({ connectionString: process.argv[2] }); await c.connect();
const key = createSecretKey(randomBytes(32));
const tenant = "ef".repeat(32);
const vec = `[${Array.from({ length: 384 }, (_, i) => ((i % 7) + 1) / 10).join(",")}]`;
const dl = JSON.parse(fs.readFileSync("/work/shared/testdata/dl19/bm25_top100_dl19.json", "utf8")).flatMap((q: any) => q.hits.map((h: any) => h.content));
for (const variant of ["as is", "no regex check", "no checks", "as is"]) {
  const docs = Array.from({ length: 500 }, (_, i) => ({ id: randomUUID(), text: dl[i + 1000]! }));
  const terms = memoryTerms(key, tenant, docs);
  await c.query("begin");
  if (variant !== "as is") await c.query("alter table memvault.memory_terms drop constraint memory_terms_user_hash_format");
  if (variant === "no checks") { await c.query("alter table memvault.memory_terms drop constraint memory_terms_counts, drop constraint memory_terms_term_hash_size, drop constraint memory_terms_term_hashes_shape"); }
  await c.query(`insert into memvault.memory_chunks (user_hash, id, key_version, text_cipher, meta_cipher, emb_cipher, embedding) select $1, u, 1, '\\x01', '\\x02', '\\x03', $3::public.vector from unnest($2::uuid[]) u`, [tenant, docs.map((d) => d.id), vec]);
  await c.query("set local role memvault_worker"); await c.query(`set local app.user_hash = '${tenant}'`);
  const t = performance.now();
  await replaceMemoryTerms(c, tenant, docs.map((d) => d.id), terms);
  console.log(variant, (performance.now() - t).toFixed(0), "ms per 500 memories");
  await c.query("rollback");
}
await c.end();
