import pg from "pg";
import { randomUUID } from "node:crypto";
import { zipfText } from "/work/main/bench/support/zipfText.ts";
import { memoryTerms } from "/work/main/src/worker/sealRows.ts";
import { replaceMemoryTerms } from "/work/main/src/sql/replaceMemoryTerms.ts";
import { newKeyringDocument, parseKeyring } from "/work/main/src/crypto/keyring.ts";
import fs from "node:fs";
const url = process.argv[2]!;
const c = new pg.Client({ connectionString: url }); await c.connect();
const kr = parseKeyring("x", JSON.stringify(newKeyringDocument()));
fs.writeFileSync("/tmp/exp/termkey.json", JSON.stringify(kr.termKey.export().toString("base64")));
const tenant = "ab".repeat(32);
const vec = `[${Array.from({ length: 384 }, (_, i) => ((i % 7) + 1) / 10).join(",")}]`;
await c.query("drop index if exists memvault.memory_chunks_embedding_hnsw");
for (let s = 0; s < 100000; s += 1000) {
  const docs = Array.from({ length: 1000 }, (_, j) => ({ id: randomUUID(), text: zipfText(s + j) }));
  await c.query(`insert into memvault.memory_chunks (user_hash, id, key_version, text_cipher, meta_cipher, emb_cipher, embedding) select $1, u, 1, '\\x01', '\\x02', '\\x03', $3::public.vector from unnest($2::uuid[]) u`, [tenant, docs.map((d) => d.id), vec]);
  await replaceMemoryTerms(c, tenant, docs.map((d) => d.id), memoryTerms(kr.termKey, tenant, docs));
}
await c.query("vacuum analyze memvault.memory_terms"); await c.query("vacuum analyze memvault.memory_chunks");
console.log("done");
await c.end();
