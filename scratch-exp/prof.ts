import { zipfText } from "../bench/support/zipfText.ts";
import { referenceBm25 } from "../bench/support/referenceBm25.ts";
import { randomUUID, createSecretKey, randomBytes } from "node:crypto";
import { memoryTerms } from "../src/worker/sealRows.ts";
let t = performance.now();
const docs = Array.from({ length: 3_000 }, (_, i) => ({ id: randomUUID(), text: zipfText(i) }));
console.log("gen", performance.now() - t); t = performance.now();
memoryTerms(createSecretKey(randomBytes(32)), "ab".repeat(32), docs);
console.log("terms", performance.now() - t); t = performance.now();
const r = referenceBm25(docs);
console.log("ref", performance.now() - t); t = performance.now();
for (let i = 0; i < 40; i++) { r.search(zipfText(500000 + i, 3), 10); r.search(zipfText(500000 + i, 3), 3000); }
console.log("search", performance.now() - t);
