// A checked filter as blind indexes: hashed under this tenant, so another tenant's hashes never match.
import type { KeyObject } from "node:crypto";
import { labelHash } from "../crypto/blindIndex.ts";
import type { FilterHashes } from "../sql/chunkFilter.ts";
import type { MemoryFilter } from "./validateLabels.ts";

export function labelFilterHashes(key: KeyObject, userHash: string, filter: MemoryFilter): FilterHashes {
  return {
    ...(filter.scope ? { scopeHash: labelHash(key, userHash, "scope", filter.scope) } : {}),
    ...(filter.scopePrefix ? { scopeLevel: labelHash(key, userHash, "scope", filter.scopePrefix) } : {}),
    ...(filter.tagsAny ? { tagsAny: filter.tagsAny.map((t) => labelHash(key, userHash, "tag", t)) } : {}),
    ...(filter.tagsAll ? { tagsAll: filter.tagsAll.map((t) => labelHash(key, userHash, "tag", t)) } : {}),
    ...(filter.createdAfter ? { createdAfter: filter.createdAfter } : {}),
    ...(filter.createdBefore ? { createdBefore: filter.createdBefore } : {}),
    ...(filter.occurredAfter ? { occurredAfter: filter.occurredAfter } : {}),
    ...(filter.occurredBefore ? { occurredBefore: filter.occurredBefore } : {}),
  };
}
