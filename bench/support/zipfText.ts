// Generated memory text for the large keyword tenant: words of bert-base-uncased's
// vocabulary (the test fixture) drawn with Zipf's law (s = 1.1), so a few words are common
// and most are rare, as in real text. Deterministic per row: row r is always the same.
import fs from "node:fs";
import { TOKENIZER_JSON } from "../../scripts/testModels.ts";
import { seededRandom } from "./seededRandom.ts";

let cumulative: Float64Array | undefined;
let words: string[] = [];

function load() {
  if (cumulative) return cumulative;
  words = Object.keys((JSON.parse(fs.readFileSync(TOKENIZER_JSON(), "utf8")) as { model: { vocab: Record<string, number> } }).model.vocab).filter((w) => /^[a-z]{3,}$/.test(w));
  cumulative = new Float64Array(words.length);
  let sum = 0;
  for (let i = 0; i < words.length; i++) cumulative[i] = sum += 1 / (i + 1) ** 1.1;
  for (let i = 0; i < words.length; i++) cumulative[i]! /= sum;
  return cumulative;
}

/** Row `row`'s text: `length` words (default 12 to 40, by row). */
export function zipfText(row: number, length?: number): string {
  const cdf = load();
  const rand = seededRandom(row * 2654435761);
  const n = length ?? 12 + Math.floor(rand() * 29);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const u = rand();
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    out.push(words[lo]!);
  }
  return out.join(" ");
}
