// Forgetting: one memory (every version of it), the memories matching a filter, or all of a
// tenant's. Each takes the tenant's write lock first, so a write racing it cannot bring back
// what it deleted.
import type pg from "pg";
import type { FilterHashes } from "../sql/chunkFilter.ts";
import { deleteAllMemories } from "../sql/deleteAllMemories.ts";
import { deleteMatchingMemories } from "../sql/deleteMatchingMemories.ts";
import { deleteMemory } from "../sql/deleteMemory.ts";
import { lockMemory } from "../sql/lockMemory.ts";
import { lockTenantWrites } from "../sql/lockTenantWrites.ts";
import { InputError } from "./inputError.ts";
import { isEmptyFilter, validateFilter, type MemoryFilter } from "./validateLabels.ts";
import { validateId } from "./validateMemoryInput.ts";

export function createMemoryForgets(filterHashes: (userHash: string, filter: MemoryFilter) => FilterHashes) {
  return {
    /** Deletes one memory, every version of it, under the locks update takes: an update racing it cannot bring it back. */
    forget: async (tx: pg.ClientBase, userHash: string, rawId: string) => {
      const id = validateId(rawId);
      await lockTenantWrites(tx, userHash, "shared");
      await lockMemory(tx, userHash, id);
      return deleteMemory(tx, userHash, id);
    },
    /** Deletes the memories (pending and sealed) matching a non-empty filter; forgetAll deletes everything. */
    forgetMatching: (tx: pg.ClientBase, userHash: string, rawFilter: unknown) => {
      const filter = validateFilter(rawFilter);
      if (isEmptyFilter(filter)) throw new InputError("UPDATE_EMPTY", "forgetMatching needs a filter with at least one condition (forgetAll forgets everything)");
      const hashes = filterHashes(userHash, filter);
      return lockTenantWrites(tx, userHash, "exclusive").then(() => deleteMatchingMemories(tx, userHash, hashes));
    },
    forgetAll: async (tx: pg.ClientBase, userHash: string) => {
      await lockTenantWrites(tx, userHash, "exclusive");
      return deleteAllMemories(tx, userHash);
    },
  };
}
