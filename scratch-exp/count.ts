import pg from "pg";
import { createSecretKey } from "node:crypto";
import fs from "node:fs";
import { indexTerms } from "../src/keyword/analyzeText.ts";
import { termHash } from "../src/crypto/blindIndex.ts";
const key = createSecretKey(Buffer.from(JSON.parse(fs.readFileSync("/tmp/exp/termkey.json", "utf8")), "base64"));
const tenant = "ab".repeat(32);
const c = new pg.Client({ connectionString: process.argv[2] }); await c.connect();
const q = indexTerms("first", (t) => termHash(key, tenant, t));
await c.query("begin"); await c.query("set local role memvault_user"); await c.query(`set local app.user_hash = '${tenant}'`);
for (const sql of [
  `explain (analyze, buffers) select count(*) from memvault.memory_terms t where t.user_hash = '${tenant}' and t.term_hash = $1`,
  `explain (analyze, buffers) select count(*) from memvault.memory_terms t where t.user_hash = '${tenant}' and t.term_hash = $1`,
  `explain (analyze, buffers) select sum(t.frequency) from memvault.memory_terms t where t.user_hash = '${tenant}' and t.term_hash = $1`,
]) { const r = await c.query(sql, [q.hashes[0]]); console.log(r.rows.map((x) => x["QUERY PLAN"]).join("\n")); }
await c.query("commit"); await c.end();
