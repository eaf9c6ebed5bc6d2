import pg from "pg";
import { createSecretKey } from "node:crypto";
import fs from "node:fs";
import { zipfText } from "../bench/support/zipfText.ts";
import { indexTerms } from "../src/keyword/analyzeText.ts";
import { termHash } from "../src/crypto/blindIndex.ts";
const key = createSecretKey(Buffer.from(JSON.parse(fs.readFileSync("/tmp/exp/termkey.json", "utf8")), "base64"));
const tenant = "ab".repeat(32);
const c = new pg.Client({ connectionString: process.argv[2] }); await c.connect();
const times: number[] = [];
for (let i = 0; i < 100; i++) {
  const q = indexTerms(zipfText(1_000_000 + i, 2 + (i % 4)), (t) => termHash(key, tenant, t));
  await c.query("begin"); await c.query("set local role memvault_user"); await c.query(`set local app.user_hash = '${tenant}'`);
  const t0 = performance.now();
  const r = await c.query("select * from memvault.search_keyword($1::bytea[], $2::integer[], 10)", [q.hashes, q.frequencies]);
  times.push(performance.now() - t0);
  await c.query("commit");
}
times.sort((a, b) => a - b);
console.log("p50", times[50]!.toFixed(1), "p95", times[95]!.toFixed(1), "max", times[99]!.toFixed(1));
if (process.argv[3]) {
  const q = indexTerms(zipfText(1_000_000 + 7, 5), (t) => termHash(key, tenant, t));
  await c.query("begin"); await c.query("set local role memvault_user"); await c.query(`set local app.user_hash = '${tenant}'`);

  const r = await c.query(`explain (analyze, buffers) select count(*), coalesce(sum(t.memory_length), 0) from memvault.memory_terms t where t.user_hash = '${tenant}' and t.term_hash = '\\x'::bytea`);
  console.log(r.rows.map((x) => x["QUERY PLAN"]).join("\n"));
  const p = await c.query(`explain (analyze, buffers) select t.term_hash, count(*) from memvault.memory_terms t where t.user_hash = '${tenant}' and t.term_hash = any($1) group by 1`, [q.hashes]);
  console.log(p.rows.map((x) => x["QUERY PLAN"]).join("\n"));
  await c.query("commit");
}
await c.end();
