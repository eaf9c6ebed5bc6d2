// update: changes some fields of a memory. A pending memory has its columns changed in place
// (its plaintext is never read back); a sealed one is opened, merged with the patch and
// written again as a pending version, which the worker seals. New text without a new
// embedding is embedded again; otherwise the embedding stays.
import type pg from "pg";
import type { Sealer } from "../crypto/seal.ts";
import { chunkContext } from "../crypto/sealContexts.ts";
import type { WithTenant } from "../db/withTenant.ts";
import { embeddingFromBytes } from "../embed/embeddingBytes.ts";
import { upsertIngestRow } from "../sql/upsertIngestRow.ts";
import { lockMemory } from "../sql/lockMemory.ts";
import { lockTenantWrites } from "../sql/lockTenantWrites.ts";
import { selectPendingVersion } from "../sql/selectPendingVersion.ts";
import { selectSealedVersion } from "../sql/selectSealedVersion.ts";
import { updatePendingMemory, type PendingChanges } from "../sql/updatePendingMemory.ts";
import { vectorLiteral } from "../sql/vectorText.ts";
import { InputError } from "./inputError.ts";
import { labelColumns } from "./labelColumns.ts";
import type { WriteDeps, WriteResult } from "./memoryWrites.ts";
import { openLabels, type Labels } from "./openMemory.ts";
import { validateId, validatePatch, type MemoryPatch } from "./validateMemoryInput.ts";

interface Target {
  deps: WriteDeps;
  userHash: string;
  id: string;
  patch: MemoryPatch;
  sealer: Sealer;
}

const labelsChange = (patch: MemoryPatch) => patch.scope !== undefined || patch.tags !== undefined;
const mergeLabels = (patch: MemoryPatch, old: Labels): Labels => ({ scope: patch.scope !== undefined ? patch.scope : old.scope, tags: patch.tags ?? old.tags });

function pendingChanges(t: Target, labelsCipher: Buffer | null): PendingChanges {
  const { patch } = t;
  const changes: PendingChanges = {};
  if (patch.text !== undefined) changes.text = patch.text;
  if (patch.metaJson !== undefined) changes.metaJson = patch.metaJson;
  if (patch.vector !== undefined) changes.vector = patch.vector;
  else if (patch.text !== undefined) changes.vector = null;
  if (labelsChange(patch)) {
    const labels = mergeLabels(patch, openLabels(t.sealer, t.userHash, t.id, labelsCipher));
    changes.labels = labelColumns(t.deps.labelKey(t.userHash), t.userHash, t.id, labels, t.sealer);
  }
  if (patch.expiresAt !== undefined) changes.expiresAt = patch.expiresAt;
  if (patch.occurredAt !== undefined) changes.occurredAt = patch.occurredAt;
  return changes;
}

/** The sealed version opened and merged with the patch: the new pending version. NOT_FOUND without one. */
async function replaceSealed(tx: pg.ClientBase, t: Target): Promise<void> {
  const { patch, sealer, userHash, id } = t;
  const row = await selectSealedVersion(tx, userHash, id);
  if (!row) throw new InputError("NOT_FOUND", "this user has no memory with this id");
  const open = (cipher: Buffer, field: "text" | "meta" | "embedding") => sealer.openSealed(cipher, chunkContext(userHash, id, field));
  const labels = mergeLabels(patch, openLabels(sealer, userHash, id, row.labels_cipher));
  await upsertIngestRow(tx, {
    id,
    text: patch.text ?? open(row.text_cipher, "text").toString("utf8"),
    metaJson: patch.metaJson ?? open(row.meta_cipher, "meta").toString("utf8"),
    vector: patch.vector ?? (patch.text !== undefined ? null : vectorLiteral(embeddingFromBytes(open(row.emb_cipher, "embedding")))),
    expiresAt: patch.expiresAt !== undefined ? patch.expiresAt : row.expires_at,
    occurredAt: patch.occurredAt !== undefined ? patch.occurredAt : row.occurred_at,
    ...labelColumns(t.deps.labelKey(userHash), userHash, id, labels, sealer, labelsChange(patch) ? undefined : row.labels_cipher),
  });
}

export async function updateMemory(deps: WriteDeps, withTenant: WithTenant, userHash: string, rawId: string, raw: Record<string, unknown>): Promise<WriteResult> {
  const id = validateId(rawId);
  const patch = validatePatch(raw, deps.limits);
  await withTenant(async (tx) => {
    await deps.ensureKeys(tx, userHash);
    const target: Target = { deps, userHash, id, patch, sealer: deps.sealer(userHash) };
    await lockTenantWrites(tx, userHash, "shared");
    await lockMemory(tx, userHash, id);
    const pending = await selectPendingVersion(tx, userHash, id);
    if (pending) await updatePendingMemory(tx, userHash, id, pendingChanges(target, pending.labels_cipher));
    else await replaceSealed(tx, target);
  });
  return { id, status: "pending" };
}
