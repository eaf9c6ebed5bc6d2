// Writing memories: remember (new), update (change some fields), upsert (create or replace
// by a client's id). Every write goes through chunk_ingest and the worker, which embeds
// (when no embedding came), seals and moves it in one transaction: readers see a memory's
// old version until its new one is sealed. Labels are hashed (blind indexes) and sealed here,
// in the app tier: the database never holds a plaintext scope or tag.
import { randomUUID, type KeyObject } from "node:crypto";
import type { Sealer } from "../crypto/seal.ts";
import { chunkContext } from "../crypto/sealContexts.ts";
import { hashLabels } from "../crypto/blindIndex.ts";
import type { WithTenant } from "../db/withTenant.ts";
import { vectorLiteral } from "../sql/vectorText.ts";
import { embeddingFromBytes } from "../embed/embeddingBytes.ts";
import { insertIngestRows, upsertIngestRow, type IngestValues } from "../sql/insertIngestRows.ts";
import { lockMemory } from "../sql/lockMemory.ts";
import { lockTenantWrites } from "../sql/lockTenantWrites.ts";
import { selectPendingVersion } from "../sql/selectPendingVersion.ts";
import { selectSealedVersion } from "../sql/selectSealedVersion.ts";
import { updatePendingMemory, type PendingChanges } from "../sql/updatePendingMemory.ts";
import { InputError } from "./inputError.ts";
import { openLabels, sealLabels, type Labels } from "./openMemory.ts";
import { validateId, validateMemoryInput, validatePatch, type Limits, type MemoryInput, type ValidMemory } from "./validateMemoryInput.ts";

export const MAX_BATCH = 100;

export interface WriteDeps {
  /** Opens sealed values (the current keyring). */
  sealer: () => Sealer;
  /** A sealer with n seals reserved (labels are sealed here). */
  reservedSealer: (n: number) => Promise<Sealer>;
  /** The blind-index key (keyring.labelKey). */
  labelKey: () => KeyObject;
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
  /**
   * The label columns: blind indexes and the sealed labels (null without any). `sealed` is
   * the labels' existing cipher when they did not change: same row, same AAD, no new seal.
   */
  const labelColumns = (userHash: string, id: string, labels: Labels, sealer: Sealer, sealed?: Buffer | null) => {
    const hashes = hashLabels(deps.labelKey(), userHash, labels);
    return {
      scopeHash: hashes.scopeHash,
      scopePath: hashes.scopePath,
      tagHashes: hashes.tagHashes,
      labelsCipher: sealed !== undefined ? sealed : sealLabels(sealer, userHash, id, labels),
    };
  };
  const ingestValues = (userHash: string, m: ValidMemory, sealer: Sealer): IngestValues => {
    const id = m.id ?? randomUUID(); // chosen here: the labels' AAD names the row
    return { id, text: m.text, metaJson: m.metaJson, vector: m.vector, expiresAt: m.expiresAt, ...labelColumns(userHash, id, { scope: m.scope, tags: m.tags }, sealer) };
  };

  return {
    /** New memories into chunk_ingest; the worker seals them. */
    async rememberMany(withTenant: WithTenant, userHash: string, inputs: MemoryInput[]): Promise<WriteResult[]> {
      if (inputs.length === 0) return [];
      if (inputs.length > MAX_BATCH) throw new InputError("BATCH_TOO_LARGE", `at most ${MAX_BATCH} memories per call`);
      const valid = inputs.map((input) => validateMemoryInput(input, deps.limits));
      const sealer = await deps.reservedSealer(valid.filter((m) => m.scope !== null || m.tags.length > 0).length);
      const rows = valid.map((m) => ingestValues(userHash, m, sealer));
      try {
        return (await withTenant((tx) => insertIngestRows(tx, rows))).map((id) => ({ id, status: "pending" as const }));
      } catch (err) {
        throw asInputError(err);
      }
    },

    /** Creates the memory with the client's id, or replaces the one it has (idempotent). */
    async upsert(withTenant: WithTenant, userHash: string, input: MemoryInput): Promise<WriteResult> {
      if (input.id === undefined || input.id === null) throw new InputError("BAD_ID", "upsert needs the memory's id (a UUID)");
      const m = validateMemoryInput(input, deps.limits);
      const row = ingestValues(userHash, m, await deps.reservedSealer(1));
      await withTenant(async (tx) => {
        await lockTenantWrites(tx, userHash, "shared");
        await lockMemory(tx, userHash, row.id);
        await upsertIngestRow(tx, row).catch((err: unknown) => {
          throw asInputError(err);
        });
      });
      return { id: row.id, status: "pending" };
    },

    /**
     * Changes some fields of a memory, pending or sealed; NOT_FOUND when this tenant has no
     * such (unexpired) memory, whoever else may. New text without a new embedding is
     * embedded again; otherwise the embedding stays.
     */
    async update(withTenant: WithTenant, userHash: string, rawId: string, raw: Record<string, unknown>): Promise<WriteResult> {
      const id = validateId(rawId);
      const patch = validatePatch(raw, deps.limits);
      const sealer = await deps.reservedSealer(1);
      const mergeLabels = (old: Labels): Labels => ({ scope: patch.scope !== undefined ? patch.scope : old.scope, tags: patch.tags ?? old.tags });
      const labelsChange = patch.scope !== undefined || patch.tags !== undefined;
      await withTenant(async (tx) => {
        await lockTenantWrites(tx, userHash, "shared");
        await lockMemory(tx, userHash, id);
        const pending = await selectPendingVersion(tx, userHash, id);
        if (pending) {
          // Not sealed yet: change its columns in place (its plaintext is never read back).
          const changes: PendingChanges = {};
          if (patch.text !== undefined) changes.text = patch.text;
          if (patch.metaJson !== undefined) changes.metaJson = patch.metaJson;
          if (patch.vector !== undefined) changes.vector = patch.vector;
          else if (patch.text !== undefined) changes.vector = null;
          if (labelsChange) changes.labels = labelColumns(userHash, id, mergeLabels(openLabels(sealer, userHash, id, pending.labels_cipher)), sealer);
          if (patch.expiresAt !== undefined) changes.expiresAt = patch.expiresAt;
          await updatePendingMemory(tx, userHash, id, changes);
          return;
        }
        const row = await selectSealedVersion(tx, userHash, id);
        if (!row) throw new InputError("NOT_FOUND", "this user has no memory with this id");
        const open = (cipher: Buffer, field: "text" | "meta" | "embedding") => sealer.openSealed(cipher, chunkContext(userHash, id, field));
        const labels = mergeLabels(openLabels(sealer, userHash, id, row.labels_cipher));
        await upsertIngestRow(tx, {
          id,
          text: patch.text ?? open(row.text_cipher, "text").toString("utf8"),
          metaJson: patch.metaJson ?? open(row.meta_cipher, "meta").toString("utf8"),
          vector: patch.vector ?? (patch.text !== undefined ? null : vectorLiteral(embeddingFromBytes(open(row.emb_cipher, "embedding")))),
          expiresAt: patch.expiresAt !== undefined ? patch.expiresAt : row.expires_at,
          ...labelColumns(userHash, id, labels, sealer, labelsChange ? undefined : row.labels_cipher),
        });
      });
      return { id, status: "pending" };
    },
  };
}

export type MemoryWrites = ReturnType<typeof createMemoryWrites>;
