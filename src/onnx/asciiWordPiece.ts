// BERT's uncased WordPiece for ASCII text, in JavaScript: the `tokenizers` binding spends
// ~3 µs per token (an async native call per text), a quarter of an int8 rerank of 24
// passages; this spends a tenth of that. It is a fast path only: it answers for a
// tokenizer.json it fully understands (BertNormalizer lowercasing, BertPreTokenizer,
// WordPiece, BERT's pair template) and for ASCII text without special-token strings, and
// returns undefined for anything else, which the library then encodes. The tests hold it to
// the library's output token for token.
import fs from "node:fs";

export interface PairIds {
  ids: number[];
  typeIds: number[];
}

export interface AsciiWordPiece {
  /** [CLS] query [SEP] text [SEP], only the text truncated to fit maxLength; undefined: use the library. */
  encodePair(query: string, text: string, maxLength: number): PairIds | undefined;
  /** The same for many texts, the query tokenized once: a rerank pairs one query with every candidate. */
  forQuery(query: string, maxLength: number): (text: string) => PairIds | undefined;
}

interface TokenizerJson {
  normalizer?: { type?: string; lowercase?: boolean; clean_text?: boolean } | null;
  pre_tokenizer?: { type?: string } | null;
  model?: { type?: string; vocab?: Record<string, number>; unk_token?: string; continuing_subword_prefix?: string; max_input_chars_per_word?: number };
  post_processor?: { type?: string; pair?: unknown[] } | null;
  added_tokens?: { content: string }[];
  truncation?: unknown;
  padding?: unknown;
}

const BERT_PAIR = JSON.stringify([
  { SpecialToken: { id: "[CLS]", type_id: 0 } },
  { Sequence: { id: "A", type_id: 0 } },
  { SpecialToken: { id: "[SEP]", type_id: 0 } },
  { Sequence: { id: "B", type_id: 1 } },
  { SpecialToken: { id: "[SEP]", type_id: 1 } },
]);

// Printable ASCII, tab, newline, carriage return: anything else goes to the library.
const PLAIN_ASCII = /^[\t\n\r\x20-\x7e]*$/;
// By character code: 1 whitespace, 2 punctuation (BertPreTokenizer splits it off as a token of
// its own), 0 part of a word.
const CLASS = new Uint8Array(128);
for (const c of " \t\n\r") CLASS[c.charCodeAt(0)] = 1;
for (let c = 0x21; c <= 0x7e; c++) if (/[!-/:-@[-`{-~]/.test(String.fromCharCode(c))) CLASS[c] = 2;

/** The vocabulary and special ids of a BERT WordPiece tokenizer.json this code reproduces exactly; undefined for any other. */
function bertWordPiece(json: TokenizerJson) {
  const { normalizer, pre_tokenizer, model, post_processor } = json;
  const understood =
    normalizer?.type === "BertNormalizer" &&
    normalizer.lowercase === true &&
    normalizer.clean_text !== false &&
    pre_tokenizer?.type === "BertPreTokenizer" &&
    (model?.type === undefined || model.type === "WordPiece") &&
    model?.vocab !== undefined &&
    typeof model.unk_token === "string" &&
    post_processor?.type === "TemplateProcessing" &&
    JSON.stringify(post_processor.pair) === BERT_PAIR;
  if (!understood) return undefined;
  const vocab = new Map(Object.entries(model.vocab!));
  const cls = vocab.get("[CLS]");
  const sep = vocab.get("[SEP]");
  const unk = vocab.get(model.unk_token!);
  if (cls === undefined || sep === undefined || unk === undefined) return undefined;
  return { vocab, cls, sep, unk, prefix: model.continuing_subword_prefix ?? "##", maxChars: model.max_input_chars_per_word ?? 100 };
}

export function loadAsciiWordPiece(tokenizerFile: string): AsciiWordPiece | undefined {
  let json: TokenizerJson;
  try {
    json = JSON.parse(fs.readFileSync(tokenizerFile, "utf8")) as TokenizerJson;
  } catch {
    return undefined;
  }
  const bert = bertWordPiece(json);
  if (!bert) return undefined;
  const { vocab, cls, sep, unk, prefix, maxChars } = bert;
  // Added tokens are matched in the raw text before anything else: leave such texts alone.
  const added = (json.added_tokens ?? []).map((t) => t.content.toLowerCase()).filter((c) => c.length > 0);

  const wordPieces = (word: string, out: number[]) => {
    if (word.length > maxChars) return void out.push(unk);
    const pieces: number[] = [];
    for (let start = 0; start < word.length; ) {
      let end = word.length;
      let id: number | undefined;
      for (; end > start; end--) {
        id = vocab.get(start === 0 ? word.slice(start, end) : prefix + word.slice(start, end));
        if (id !== undefined) break;
      }
      if (id === undefined) return void out.push(unk);
      pieces.push(id);
      start = end;
    }
    for (const p of pieces) out.push(p);
  };

  /** Stops once `limit` tokens are out: truncation keeps only the first ones (a 64 KiB memory need not be tokenized whole). */
  const tokenize = (text: string, limit = Infinity): number[] | undefined => {
    if (!PLAIN_ASCII.test(text)) return undefined;
    const lower = text.toLowerCase();
    if (added.some((a) => lower.includes(a))) return undefined;
    const out: number[] = [];
    let start = 0;
    for (let i = 0; i <= lower.length && out.length < limit; i++) {
      const kind = i === lower.length ? 1 : CLASS[lower.charCodeAt(i)]!;
      if (kind === 0) continue;
      if (i > start) wordPieces(lower.slice(start, i), out);
      if (kind === 2) wordPieces(lower[i]!, out);
      start = i + 1;
    }
    return out;
  };

  const forQuery = (query: string, maxLength: number) => {
    const q = tokenize(query);
    const room = q ? maxLength - q.length - 3 : -1;
    // Not ASCII, or a query that alone leaves no room (the library refuses it): let the library say so.
    if (!q || room < 0) return () => undefined;
    return (text: string): PairIds | undefined => {
      const t = tokenize(text, room);
      if (!t) return undefined;
      const kept = t.length > room ? t.slice(0, room) : t;
      return {
        ids: [cls, ...q, sep, ...kept, sep],
        typeIds: [...new Array<number>(q.length + 2).fill(0), ...new Array<number>(kept.length + 1).fill(1)],
      };
    };
  };

  return { forQuery, encodePair: (query, text, maxLength) => forQuery(query, maxLength)(text) };
}
