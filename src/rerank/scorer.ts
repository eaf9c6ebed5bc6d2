/** Scores (query, text) pairs: one relevance logit per text, in the order given. */
export interface Scorer {
  readonly name: string;
  score(query: string, texts: string[]): Promise<number[]>;
  close(): Promise<void>;
}
