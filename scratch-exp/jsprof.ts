import fs from "node:fs";
import { createSecretKey, randomBytes } from "node:crypto";
import { analyzeText } from "../src/keyword/analyzeText.ts";
import { memoryTerms } from "../src/worker/sealRows.ts";
const dl = JSON.parse(fs.readFileSync("/work/shared/testdata/dl19/bm25_top100_dl19.json", "utf8")).flatMap((q: any) => q.hits.map((h: any) => h.content)) as string[];
const key = createSecretKey(randomBytes(32));
for (let r = 0; r < 3; r++) {
let t = performance.now();
for (const d of dl) analyzeText(d);
const a = performance.now() - t; t = performance.now();
memoryTerms(key, "ab".repeat(32), dl.map((text, i) => ({ id: String(i), text })));
const m = performance.now() - t;
console.log(`analyze ${(a / dl.length * 1000).toFixed(0)} µs/memory, analyze+hash ${(m / dl.length * 1000).toFixed(0)} µs/memory`);
}
