// A memory's label columns: blind indexes of its scope and tags (hashed under the tenant)
// and the labels sealed (null without any).
import type { KeyObject } from "node:crypto";
import { hashLabels } from "../crypto/blindIndex.ts";
import type { Sealer } from "../crypto/seal.ts";
import { sealLabels, type Labels } from "./openMemory.ts";

/** `sealed`: the labels' existing cipher when they did not change (same row, same AAD, no new seal). */
export function labelColumns(labelKey: KeyObject, userHash: string, id: string, labels: Labels, sealer: Sealer, sealed?: Buffer | null) {
  const hashes = hashLabels(labelKey, userHash, labels);
  return {
    scopeHash: hashes.scopeHash,
    scopePath: hashes.scopePath,
    tagHashes: hashes.tagHashes,
    labelsCipher: sealed !== undefined ? sealed : sealLabels(sealer, userHash, id, labels),
  };
}
