// Blind indexes of scopes and tags: keyed HMACs the database can compare for equality and
// nothing else. Each hash is bound to its purpose and its tenant, so the same tag in two
// tenants hashes differently: a hash reveals nothing across tenants, and an index over the
// hashes alone finds only the querying tenant's rows. The key (keyring.labelKey) is a
// subkey of the pepper, which never rotates: rotating the sealing keys leaves the indexes valid.
import type { KeyObject } from "node:crypto";
import { hmacSha256 } from "./hmacUser.ts";

export type LabelPurpose = "scope" | "tag";

export interface LabelHashes {
  /** The full scope's hash, or null without a scope. */
  scopeHash: Buffer | null;
  /** One hash per prefix level of the scope (split at "/"), the full scope last. */
  scopePath: Buffer[];
  tagHashes: Buffer[];
}

export function labelHash(key: KeyObject, userHash: string, purpose: LabelPurpose, value: string): Buffer {
  // NUL separates the fields: none of them may contain one (validated upstream; user hashes are hex).
  return hmacSha256(key, Buffer.from(`memvault-label\0${purpose}\0${userHash}\0${value}`, "utf8"));
}

/** "agent:planner/session:42" -> ["agent:planner", "agent:planner/session:42"]. */
export function scopeLevels(scope: string): string[] {
  const parts = scope.split("/");
  return parts.map((_, i) => parts.slice(0, i + 1).join("/"));
}

export function hashLabels(key: KeyObject, userHash: string, labels: { scope?: string | null; tags?: readonly string[] }): LabelHashes {
  const scopePath = labels.scope ? scopeLevels(labels.scope).map((level) => labelHash(key, userHash, "scope", level)) : [];
  return {
    scopeHash: scopePath.at(-1) ?? null,
    scopePath,
    tagHashes: [...new Set(labels.tags ?? [])].map((tag) => labelHash(key, userHash, "tag", tag)),
  };
}

/**
 * Bytes kept of a term's HMAC: equality within one tenant's vocabulary is all it serves, and
 * 128 bits make a collision among even a billion distinct terms about 2^-68 likely, while
 * halving the keyword index's largest column.
 */
export const TERM_HASH_BYTES = 16;

/** A keyword term's blind index: under the term key (keyring.termKey), bound to the tenant. */
export function termHash(key: KeyObject, userHash: string, term: string): Buffer {
  return hmacSha256(key, Buffer.from(`memvault-term\0${userHash}\0${term}`, "utf8")).subarray(0, TERM_HASH_BYTES);
}
