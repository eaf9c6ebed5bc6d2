// The ASCII WordPiece fast path against the tokenizers library it stands in for: the same
// ids and segment ids for every pair, else no answer (undefined) so the library encodes it.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Tokenizer, type TruncationStrategy } from "tokenizers";
import { describe, expect, it } from "vitest";
import { TOKENIZER_JSON } from "../../scripts/testModels.ts";
import { loadAsciiWordPiece } from "../../src/onnx/asciiWordPiece.ts";

const fast = loadAsciiWordPiece(TOKENIZER_JSON())!;

const libraries = new Map<number, Tokenizer>();
async function library(query: string, text: string, maxLength: number) {
  let t = libraries.get(maxLength);
  if (!t) {
    t = Tokenizer.fromFile(TOKENIZER_JSON());
    t.setTruncation(maxLength, { strategy: "OnlySecond" as TruncationStrategy });
    t.disablePadding();
    libraries.set(maxLength, t);
  }
  const e = await t.encode(query, text);
  return { ids: e.getIds(), typeIds: e.getTypeIds() };
}

// A seeded generator of ASCII text that stresses the rules: punctuation runs, digits, case,
// words the vocabulary splits into pieces or lacks, over-long words, tabs and newlines.
function asciiTexts(n: number): string[] {
  let seed = 7;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const words = ["Paris", "capital", "unaffable", "tokenization", "COVID-19", "e-mail", "don't", "U.S.A.", "naive", "x", "42", "3.14", "qwzxv", "hello!!!", "(a)", "[b]", "{c}", "#tag", "@user", "~/path/to", "a_b", "`code`", "50%", "$100", "^", "|", "\\"];
  const seps = [" ", "  ", "\t", "\n", "\r\n", ", ", ". ", "; ", ""];
  return Array.from({ length: n }, () => {
    let s = "";
    const len = Math.floor(rand() * 40);
    for (let i = 0; i < len; i++) s += (rand() < 0.05 ? "y".repeat(101) : pick(words)) + pick(seps);
    return s;
  });
}

describe("ASCII WordPiece fast path", () => {
  it("matches the library token for token, truncation included", async () => {
    const texts = asciiTexts(300);
    const queries = ["what is the capital of france", "Who wrote 'Hamlet'?", "", "a".repeat(30)];
    let compared = 0;
    for (const [i, text] of texts.entries()) {
      const query = queries[i % queries.length]!;
      for (const maxLength of [512, 64, 16]) {
        const mine = fast.encodePair(query, text, maxLength);
        if (!mine) continue;
        expect({ text, maxLength, ...mine }).toEqual({ text, maxLength, ...(await library(query, text, maxLength)) });
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(800);
  });

  it("stops tokenizing a long text at the truncation point, with the library's result", async () => {
    const long = asciiTexts(400).join(" ");
    for (const maxLength of [512, 128]) {
      expect(fast.encodePair("what is it", long, maxLength)).toEqual(await library("what is it", long, maxLength));
    }
  });

  it("leaves non-ASCII text, control characters and special-token strings to the library", () => {
    for (const text of ["café au lait", "東京", "emoji 🙂", "bell \x07", "del \x7f", "vertical\x0btab", "see [SEP] here", "[cls] lower too", "a [MASK] b"]) {
      expect(fast.encodePair("q", text, 128)).toBeUndefined();
      expect(fast.encodePair(text, "plain text", 128)).toBeUndefined();
    }
    // A query that leaves the text no room: the library reports it.
    expect(fast.encodePair("word ".repeat(200), "text", 64)).toBeUndefined();
  });

  it("declines a tokenizer.json it does not fully understand", () => {
    const json = JSON.parse(fs.readFileSync(TOKENIZER_JSON(), "utf8"));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mvwp-"));
    try {
      for (const change of [
        (j: any) => (j.normalizer.lowercase = false),
        (j: any) => (j.pre_tokenizer = { type: "Whitespace" }),
        (j: any) => (j.post_processor.pair = j.post_processor.pair.slice(0, 3)),
        (j: any) => (j.model.type = "BPE"),
      ]) {
        const copy = structuredClone(json);
        change(copy);
        fs.writeFileSync(path.join(dir, "tokenizer.json"), JSON.stringify(copy));
        expect(loadAsciiWordPiece(path.join(dir, "tokenizer.json"))).toBeUndefined();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
