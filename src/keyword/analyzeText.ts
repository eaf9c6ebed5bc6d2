// The keyword analyzer: what a memory's text and a search query become before their terms
// are hashed. One function for both, so a query term matches a stored term exactly when the
// two words analyze alike. Unicode NFKC (compatibility forms folded: "ﬁ" is "fi", full-width
// digits are digits), lowercased, English possessives dropped, split into runs of letters,
// marks and digits, English stop words removed (the `stopword` package's list), each word
// stemmed with the Porter stemmer (`stemmer`). The bench's plaintext BM25 reference runs
// this same function, so the two legs differ only in where the formula runs.
import { stemmer } from "stemmer";
import { eng } from "stopword";

const STOP_WORDS = new Set<string>(eng);
const WORD = /[\p{L}\p{M}\p{N}]+/gu;
/** Longer runs (base64, hashes, URLs without separators) are not words anyone searches for. */
export const MAX_TERM_CHARS = 64;

/** The text's terms in order, repeats kept: their count is the memory's length. */
export function analyzeText(text: string): string[] {
  const normal = text.normalize("NFKC").toLowerCase().replace(/['’]s(?![\p{L}\p{N}])/gu, "");
  const terms: string[] = [];
  for (const [word] of normal.matchAll(WORD)) {
    if (word.length > MAX_TERM_CHARS || STOP_WORDS.has(word)) continue;
    terms.push(stemmer(word));
  }
  return terms;
}

/** Each distinct term with how often it occurs. */
export function countTerms(terms: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of terms) counts.set(t, (counts.get(t) ?? 0) + 1);
  return counts;
}

/** A text's distinct terms as blind indexes, each with its frequency, and its length in terms. */
export interface TermIndex {
  hashes: Buffer[];
  frequencies: number[];
  length: number;
}

/**
 * The text analyzed, its distinct terms hashed by `hash` (the caller's keyed, tenant-bound
 * blind index): what is stored for a memory and what a query looks up. No plaintext term
 * leaves this function.
 */
export function indexTerms(text: string, hash: (term: string) => Buffer): TermIndex {
  const terms = analyzeText(text);
  const counts = countTerms(terms);
  return { hashes: [...counts.keys()].map(hash), frequencies: [...counts.values()], length: terms.length };
}
