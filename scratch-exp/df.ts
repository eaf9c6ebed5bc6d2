import fs from "node:fs";
import { analyzeText } from "../src/keyword/analyzeText.ts";
import { zipfText } from "../bench/support/zipfText.ts";
function report(name: string, texts: string[]) {
  const df = new Map<string, number>();
  for (const t of texts) for (const w of new Set(analyzeText(t))) df.set(w, (df.get(w) ?? 0) + 1);
  const top = [...df.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([w, n]) => `${w}:${(n / texts.length * 100).toFixed(1)}%`);
  const avgLen = texts.reduce((s, t) => s + analyzeText(t).length, 0) / texts.length;
  console.log(name, texts.length, "avg terms", avgLen.toFixed(1), top.join(" "));
}
const dl = JSON.parse(fs.readFileSync("/work/shared/testdata/dl19/bm25_top100_dl19.json", "utf8"));
report("dl19", dl.flatMap((q: any) => q.hits.map((h: any) => h.content)));
const lc = JSON.parse(fs.readFileSync("/work/shared/testdata/locomo/locomo7.json", "utf8"));
report("locomo", lc.flatMap((c: any) => Object.entries(c.conversation).filter(([k]) => /^session_\d+$/.test(k)).flatMap(([, v]: any) => v.map((t: any) => `${t.speaker}: ${t.text}`))));
report("zipf", Array.from({ length: 20000 }, (_, i) => zipfText(i)));
