// Writing memories: remember (new), update (change some fields), upsert (create or replace
// by a client's id). Every write goes through chunk_ingest and the worker, which embeds
// (when no embedding came), seals and moves it in one transaction: readers see a memory's
// old version until its new one is sealed. Labels are hashed (blind indexes) and sealed here,
// in the app tier: the database never holds a plaintext scope or tag.
import { randomUUID } from "node:crypto";
import type { TenantKeyDeps } from "./tenantKeyDeps.ts";
import type { Sealer } from "../crypto/seal.ts";
import type { WithTenant } from "../db/withTenant.ts";
import type { IngestValues } from "../sql/ingestValues.ts";
import { insertIngestRows } from "../sql/insertIngestRows.ts";
import { upsertIngestRow } from "../sql/upsertIngestRow.ts";
import { lockMemory } from "../sql/lockMemory.ts";
import { lockTenantWrites } from "../sql/lockTenantWrites.ts";
import { InputError } from "./inputError.ts";
import { labelColumns } from "./labelColumns.ts";
import { updateMemory } from "./memoryUpdate.ts";
import { validateMemoryInput, type Limits, type MemoryInput, type ValidMemory } from "./validateMemoryInput.ts";

export const MAX_BATCH = 100;

export interface WriteDeps {
  sealer: TenantKeyDeps["sealer"];
  ensureKeys: TenantKeyDeps["ensureKeys"];
  labelKey: TenantKeyDeps["labelKey"];
  limits: Limits;
}

export type WriteResult = { id: string; status: "pending" };

/** Postgres refusals that are the client's doing, as stable codes (never the message). */
function asInputError(err: unknown): unknown {
  const e = err as { code?: string; constraint?: string };
  if (e.code === "23505") return new InputError("ID_TAKEN", "a memory with this id exists", { cause: err });
  if (e.code === "23514" && e.constraint?.includes("text")) return new InputError("TEXT_TOO_LONG", "text is outside the allowed size", { cause: err });
  if (e.code === "23514" && e.constraint?.includes("meta")) return new InputError("META_TOO_LARGE", "meta is outside the allowed size", { cause: err });
  return err;
}

export function createMemoryWrites(deps: WriteDeps) {
  const ingestValues = (userHash: string, m: ValidMemory, sealer: Sealer): IngestValues => {
    const id = m.id ?? randomUUID(); // chosen here: the labels' AAD names the row
    return { id, text: m.text, metaJson: m.metaJson, vector: m.vector, expiresAt: m.expiresAt, occurredAt: m.occurredAt, ...labelColumns(deps.labelKey(userHash), userHash, id, { scope: m.scope, tags: m.tags }, sealer) };
  };

  return {
    /** New memories into chunk_ingest; the worker seals them. */
    async rememberMany(withTenant: WithTenant, userHash: string, inputs: MemoryInput[]): Promise<WriteResult[]> {
      if (inputs.length === 0) return [];
      if (inputs.length > MAX_BATCH) throw new InputError("BATCH_TOO_LARGE", `at most ${MAX_BATCH} memories per call`);
      const valid = inputs.map((input) => validateMemoryInput(input, deps.limits));
      try {
        const ids = await withTenant(async (tx) => {
          // Labels are sealed under the tenant's key: created here with its first memory.
          await deps.ensureKeys(tx, userHash);
          const sealer = deps.sealer(userHash);
          return insertIngestRows(tx, valid.map((m) => ingestValues(userHash, m, sealer)));
        });
        return ids.map((id) => ({ id, status: "pending" as const }));
      } catch (err) {
        throw asInputError(err);
      }
    },

    /** Creates the memory with the client's id, or replaces the one it has (idempotent). */
    async upsert(withTenant: WithTenant, userHash: string, input: MemoryInput): Promise<WriteResult> {
      if (input.id === undefined || input.id === null) throw new InputError("BAD_ID", "upsert needs the memory's id (a UUID)");
      const m = validateMemoryInput(input, deps.limits);
      const id = await withTenant(async (tx) => {
        await deps.ensureKeys(tx, userHash);
        const row = ingestValues(userHash, m, deps.sealer(userHash));
        await lockTenantWrites(tx, userHash, "shared");
        await lockMemory(tx, userHash, row.id);
        await upsertIngestRow(tx, row).catch((err: unknown) => {
          throw asInputError(err);
        });
        return row.id;
      });
      return { id, status: "pending" };
    },

    /**
     * Changes some fields of a memory, pending or sealed; NOT_FOUND when this tenant has no
     * such (unexpired) memory, whoever else may.
     */
    update: (withTenant: WithTenant, userHash: string, rawId: string, raw: Record<string, unknown>) => updateMemory(deps, withTenant, userHash, rawId, raw),
  };
}

export type MemoryWrites = ReturnType<typeof createMemoryWrites>;
