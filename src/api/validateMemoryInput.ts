// The same limits the database enforces (chunk_ingest CHECKs, vector(n)), checked first so
// that a client gets a precise code; the database stays the last line. Everything here
// is what PostgreSQL or pgvector would refuse later with an error a client cannot act on.
import { InputError } from "./inputError.ts";
import { validateExpiresAt, validateScope, validateTags, validateTimestamp } from "./validateLabels.ts";

export interface MemoryInput {
  id?: string;
  text: string;
  meta?: Record<string, unknown>;
  /** Absent: the worker embeds the text. */
  embedding?: number[] | null;
  scope?: string | null;
  tags?: string[] | null;
  /** ISO 8601, in the future. */
  expiresAt?: string | null;
  /** ISO 8601: when the remembered thing happened. */
  occurredAt?: string | null;
}

export interface ValidMemory {
  id: string | null;
  text: string;
  metaJson: string;
  vector: string | null;
  scope: string | null;
  tags: string[];
  expiresAt: Date | null;
  occurredAt: Date | null;
}

export interface Limits {
  dims: number;
  maxTextBytes: number;
  maxMetaBytes: number;
}

/** Nesting deeper than this in meta is refused: nobody needs it, and deep JSON costs stack. */
export const MAX_META_DEPTH = 32;
/** float4's largest finite value: pgvector stores float4, so larger numbers overflow. */
const FLOAT4_MAX = 3.4028234663852886e38;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function validateId(id: unknown): string {
  if (typeof id !== "string" || !UUID.test(id)) throw new InputError("BAD_ID", "id must be a UUID");
  return id.toLowerCase();
}

export function validateText(text: unknown, maxBytes: number): string {
  if (typeof text !== "string" || text.length === 0) throw new InputError("TEXT_EMPTY", "text must not be empty");
  // Nothing to find it by, and nothing an embedder can embed (a zero vector at best).
  if (/^[\s\p{Cc}\p{Cf}\p{Z}]*$/u.test(text)) throw new InputError("TEXT_EMPTY", "text must hold more than white space and control characters");
  if (Buffer.byteLength(text, "utf8") > maxBytes) throw new InputError("TEXT_TOO_LONG", `text must be at most ${maxBytes} bytes`);
  // PostgreSQL text cannot hold NUL.
  if (text.includes("\u0000")) throw new InputError("TEXT_INVALID", "text must not contain NUL characters");
  return text;
}

/**
 * Depth, NUL and Unicode checks without recursion (a deep document cannot exhaust the stack).
 * JSON's \ud800 escapes can carry a lone surrogate into meta's text, which jsonb refuses.
 */
function checkMetaValues(meta: Record<string, unknown>): void {
  const stack: [unknown, number][] = [[meta, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value === "string") {
      if (value.includes("\u0000")) throw new InputError("META_INVALID", "meta must not contain NUL characters");
      if (!value.isWellFormed()) throw new InputError("META_INVALID", "meta strings must be well-formed Unicode (no lone surrogates)");
    } else if (typeof value === "object" && value !== null) {
      if (depth > MAX_META_DEPTH) throw new InputError("META_TOO_DEEP", `meta must nest at most ${MAX_META_DEPTH} levels`);
      for (const [k, v] of Object.entries(value)) {
        if (k.includes("\u0000")) throw new InputError("META_INVALID", "meta must not contain NUL characters");
        if (!k.isWellFormed()) throw new InputError("META_INVALID", "meta keys must be well-formed Unicode (no lone surrogates)");
        stack.push([v, depth + 1]);
      }
    } else if (typeof value === "number" && !Number.isFinite(value)) {
      throw new InputError("META_INVALID", "meta numbers must be finite");
    }
  }
}

/** meta as a checked JSON object's text. */
export function validateMeta(meta: unknown, limits: Limits): string {
  if (typeof meta !== "object" || meta === null || Array.isArray(meta)) throw new InputError("META_NOT_OBJECT", "meta must be a JSON object");
  checkMetaValues(meta as Record<string, unknown>);
  const metaJson = JSON.stringify(meta);
  if (Buffer.byteLength(metaJson, "utf8") > limits.maxMetaBytes) {
    throw new InputError("META_TOO_LARGE", `meta must be at most ${limits.maxMetaBytes} bytes as JSON`);
  }
  return metaJson;
}

const given = <T>(v: T | null | undefined): v is T => v !== undefined && v !== null;

export function validateMemoryInput(input: MemoryInput, limits: Limits): ValidMemory {
  return {
    id: given(input.id) ? validateId(input.id) : null,
    text: validateText(input.text, limits.maxTextBytes),
    metaJson: validateMeta(input.meta ?? {}, limits),
    vector: given(input.embedding) ? validateEmbedding(input.embedding, limits.dims) : null,
    scope: given(input.scope) ? validateScope(input.scope) : null,
    tags: given(input.tags) ? validateTags(input.tags) : [],
    expiresAt: given(input.expiresAt) ? validateExpiresAt(input.expiresAt) : null,
    occurredAt: given(input.occurredAt) ? validateTimestamp(input.occurredAt, "occurredAt") : null,
  };
}

/** What an update changes: absent fields stay; scope, expiresAt and occurredAt set to null are cleared. */
export interface MemoryPatch {
  text?: string;
  metaJson?: string;
  vector?: string;
  scope?: string | null;
  tags?: string[];
  expiresAt?: Date | null;
  occurredAt?: Date | null;
}

export function validatePatch(raw: Record<string, unknown>, limits: Limits): MemoryPatch {
  const patch: MemoryPatch = {};
  if (given(raw.text)) patch.text = validateText(raw.text, limits.maxTextBytes);
  if (given(raw.meta)) patch.metaJson = validateMeta(raw.meta, limits);
  if (given(raw.embedding)) patch.vector = validateEmbedding(raw.embedding, limits.dims);
  if (raw.scope !== undefined) patch.scope = raw.scope === null ? null : validateScope(raw.scope);
  if (raw.tags !== undefined) patch.tags = raw.tags === null ? [] : validateTags(raw.tags);
  if (raw.expiresAt !== undefined) patch.expiresAt = raw.expiresAt === null ? null : validateExpiresAt(raw.expiresAt);
  if (raw.occurredAt !== undefined) patch.occurredAt = raw.occurredAt === null ? null : validateTimestamp(raw.occurredAt, "occurredAt");
  if (Object.keys(patch).length === 0) throw new InputError("UPDATE_EMPTY", "an update must change at least one field");
  return patch;
}

/** pgvector's text form of a checked embedding: right dimension, finite float4 values, not all zero. */
export function validateEmbedding(embedding: unknown, dims: number): string {
  if (!Array.isArray(embedding) || embedding.length !== dims) {
    throw new InputError("EMBEDDING_DIMENSION", `embedding must have ${dims} dimensions`);
  }
  let nonZero = false;
  for (const x of embedding) {
    if (typeof x !== "number" || !Number.isFinite(x) || Math.abs(x) > FLOAT4_MAX) {
      throw new InputError("EMBEDDING_NOT_FINITE", "embedding values must be finite numbers within float4 range");
    }
    // A value that rounds to 0 in float4 counts as zero.
    if (Math.fround(x) !== 0) nonZero = true;
  }
  // Cosine distance to a zero vector is undefined (NaN).
  if (!nonZero) throw new InputError("EMBEDDING_ZERO", "embedding must not be the zero vector");
  return `[${embedding.join(",")}]`;
}
