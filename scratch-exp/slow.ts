import pg from "pg";
import { createSecretKey } from "node:crypto";
import fs from "node:fs";
import { zipfText } from "../bench/support/zipfText.ts";
import { indexTerms } from "../src/keyword/analyzeText.ts";
import { termHash } from "../src/crypto/blindIndex.ts";
const key = createSecretKey(Buffer.from(JSON.parse(fs.readFileSync("/tmp/exp/termkey.json", "utf8")), "base64"));
const tenant = "ab".repeat(32);
const c = new pg.Client({ connectionString: process.argv[2] }); await c.connect();
const res: { ms: number; q: string; dfs: number[] }[] = [];
for (let i = 0; i < 100; i++) {
  const text = zipfText(1_000_000 + i, 2 + (i % 4));
  const q = indexTerms(text, (t) => termHash(key, tenant, t));
  const dfs = (await c.query("select count(*)::int n from memvault.memory_terms where user_hash=$1 and term_hash = any($2) group by term_hash", [tenant, q.hashes])).rows.map((r) => r.n);
  await c.query("begin"); await c.query("set local role memvault_user"); await c.query(`set local app.user_hash = '${tenant}'`);
  const t0 = performance.now();
  await c.query("select * from memvault.search_keyword($1::bytea[], $2::integer[], 10)", [q.hashes, q.frequencies]);
  res.push({ ms: performance.now() - t0, q: text, dfs });
  await c.query("commit");
}
res.sort((a, b) => b.ms - a.ms);
for (const r of res.slice(0, 8)) console.log(r.ms.toFixed(1), r.dfs.reduce((a, b) => a + b, 0), JSON.stringify(r.dfs), r.q);
await c.end();
