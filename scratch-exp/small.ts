import pg from "pg";
import { randomUUID, createSecretKey, randomBytes } from "node:crypto";
import { zipfText } from "../bench/support/zipfText.ts";
import { memoryTerms } from "../src/worker/sealRows.ts";
import { replaceMemoryTerms } from "../src/sql/replaceMemoryTerms.ts";
import { indexTerms } from "../src/keyword/analyzeText.ts";
import { termHash } from "../src/crypto/blindIndex.ts";
const c = new pg.Client({ connectionString: process.argv[2] }); await c.connect();
const key = createSecretKey(randomBytes(32));
const tenant = "cd".repeat(32);
const vec = `[${Array.from({ length: 384 }, (_, i) => ((i % 7) + 1) / 10).join(",")}]`;
await c.query("delete from memvault.memory_chunks where user_hash = $1", [tenant]);
const docs = Array.from({ length: 3000 }, (_, i) => ({ id: randomUUID(), text: zipfText(i) }));
await c.query("begin");
await c.query(`insert into memvault.memory_chunks (user_hash, id, key_version, text_cipher, meta_cipher, emb_cipher, embedding) select $1, u, 1, '\\x01', '\\x02', '\\x03', $3::public.vector from unnest($2::uuid[]) u`, [tenant, docs.map((d) => d.id), vec]);
await c.query("delete from memvault.memory_term_stats where user_hash = $1", [tenant]);
await replaceMemoryTerms(c, tenant, docs.map((d) => d.id), memoryTerms(key, tenant, docs));
await c.query("commit");
for (let i = 0; i < 8; i++) {
  const q = indexTerms(zipfText(500000 + i, 2 + (i % 4)), (t) => termHash(key, tenant, t));
  await c.query("begin"); await c.query("set local role memvault_user"); await c.query(`set local app.user_hash = '${tenant}'`);
  const t0 = performance.now();
  await c.query("select * from memvault.search_keyword($1::bytea[], $2::integer[], 10)", [q.hashes, q.frequencies]);
  console.log(zipfText(500000 + i, 2 + (i % 4)), (performance.now() - t0).toFixed(1));
  await c.query("commit");
}
await c.end();
const c2 = new pg.Client({ connectionString: process.argv[2] }); await c2.connect();
await c2.query("load 'auto_explain'");
await c2.query("set auto_explain.log_min_duration = 0; set auto_explain.log_nested_statements = on; set auto_explain.log_analyze = on; set client_min_messages = log; set auto_explain.log_level = notice");
c2.on("notice", (n) => { const m = n.message ?? ""; if (m.startsWith("duration")) console.log(m.split("\n").slice(0, 3).join(" | ")); });
const q = indexTerms("many chapter the state", (t) => termHash(key, tenant, t));
for (let r = 0; r < 2; r++) {
await c2.query("begin"); await c2.query("set local role memvault_user"); await c2.query(`set local app.user_hash = '${tenant}'`);
await c2.query("select * from memvault.search_keyword($1::bytea[], $2::integer[], 10)", [q.hashes, q.frequencies]);
await c2.query("commit");
}
await c2.end();
