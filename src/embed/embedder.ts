// Turns texts into unit-length vectors for the ANN index. Implemented by the local
// bi-encoder (biEncoder.ts) and a text-embeddings-inference server (remoteEmbedder.ts).
import { CodedError } from "../codedError.ts";

export interface Embedder {
  readonly name: string;
  /**
   * True for an embedder that only counts words (the development word-hash one): its
   * vectors see the words BM25 sees, ranked worse, so hybrid search does not fuse them as
   * an independent opinion (rankFusion.ts).
   */
  readonly lexical?: boolean;
  /** One L2-normalised vector per text, in order. */
  embed(texts: string[]): Promise<Float32Array[]>;
  close(): Promise<void>;
}

export type EmbedErrorCode =
  | "EMBEDDER_UNAVAILABLE" // no model configured or found: text-only writes wait, text-only searches fail
  | "EMBEDDER_BAD_MODEL"
  | "EMBEDDER_REMOTE"
  | "EMBED_TIMEOUT"
  | "EMBED_FAILED";

/** An embedding failure with a stable code; messages name files and status codes, never texts. */
export class EmbedError extends CodedError<EmbedErrorCode> {
  override readonly name = "EmbedError";
}

/** Scales v to unit length in place; a zero vector (nothing to embed) is an error, not a NaN. */
export function normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum);
  if (!(norm > 0) || !Number.isFinite(norm)) throw new EmbedError("EMBED_FAILED", "the embedder returned a zero or non-finite vector");
  for (let i = 0; i < v.length; i++) v[i]! /= norm;
  return v;
}
