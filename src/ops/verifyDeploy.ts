// After a migration or a rollback: the DBA checks (sanity, leak test, indexes), the row
// counts and the ANN plan against the snapshot taken before, and a sample of memories
// opened with their tenants' keys (they must still decrypt under their AAD).
import pg from "pg";
import { chunkContext } from "../crypto/sealContexts.ts";
import type { Keyring } from "../crypto/keyring.ts";
import { createSealer } from "../crypto/seal.ts";
import { withTenant } from "../db/withTenant.ts";
import type { TenantKeys } from "../keys/tenantKeys.ts";
import { scriptCheckRow, type DoctorRow } from "./doctor.ts";
import { compareRowCounts } from "./compareRowCounts.ts";
import { takeSnapshot, type DeploySnapshot } from "../db/deploySnapshot.ts";
import { runPsqlScript } from "../db/runPsqlScript.ts";

// verify_indexes.sql runs inside takeSnapshot (the ANN plan comes from it), once.
const SCRIPTS = ["pre_deploy_sanity.sql", "leak_test.sql"] as const;

export interface SampleKeys {
  keyring: Keyring;
  tenantKeys: TenantKeys;
}

/**
 * Opens `sample` random memories' texts, each with its tenant's keys (with the keyring
 * alone below migration 000025, which has no tenant keys); returns how many opened, and
 * how many were an erased tenant's (a restored backup's: refused, as they must be).
 */
export async function openSample(superuserUrl: string, keys: SampleKeys, sample: number): Promise<{ tried: number; opened: number; erased: number }> {
  const client = new pg.Client({ connectionString: superuserUrl });
  await client.connect();
  try {
    // A full scan, once per deploy: seconds at 10M rows, and every row can be drawn.
    const { rows } = await client.query<{ user_hash: string; id: string; text_cipher: Buffer }>(
      "select user_hash, id::text, text_cipher from memvault.memory_chunks order by pg_catalog.random() limit $1::int",
      [sample],
    );
    const tenantKeysExist = (await client.query<{ t: string | null }>("select pg_catalog.to_regclass('memvault.tenant_keys')::text as t")).rows[0]!.t !== null;
    const sealerFor = async (userHash: string) => {
      if (!tenantKeysExist) return createSealer(keys.keyring);
      const set = await withTenant(client, { userHash }, (tx) => keys.tenantKeys.prepare(tx, userHash));
      return set.erasing ? undefined : keys.tenantKeys.sealer(userHash);
    };
    let opened = 0;
    let erased = 0;
    for (const r of rows) {
      try {
        const sealer = await sealerFor(r.user_hash);
        if (!sealer) {
          erased++;
          continue;
        }
        sealer.openSealed(r.text_cipher, chunkContext(r.user_hash, r.id, "text"));
        opened++;
      } catch {
        // counted as not opened
      }
    }
    return { tried: rows.length - erased, opened, erased };
  } finally {
    await client.end();
  }
}

export async function verifyDeploy(opts: {
  pgBin: string;
  superuserUrl: string;
  /** What the counts and the plan must match; tables only one side has are not compared. */
  before?: DeploySnapshot;
  /** Row counts alone to match (a restored backup's, from its manifest). */
  expectedRows?: Record<string, number>;
  /** The tenants' keys (under the configured KEK) to open the sample with. */
  keys?: SampleKeys;
  sample?: number;
  /** Index names a rollback or the applied migrations dropped on purpose (indexesDroppedByReverses, indexesDroppedByMigrations): not "lost". */
  droppedIndexes?: string[];
}): Promise<{ rows: DoctorRow[]; after: DeploySnapshot }> {
  const out: DoctorRow[] = [];
  for (const script of SCRIPTS) {
    const res = await runPsqlScript(opts.pgBin, opts.superuserUrl, script);
    out.push(scriptCheckRow(script, res));
  }
  const after = await takeSnapshot(opts.pgBin, opts.superuserUrl, { comparedWithEarlier: opts.before !== undefined && opts.expectedRows === undefined });
  out.push(scriptCheckRow("verify_indexes.sql", after.indexCheck));
  const expected = opts.expectedRows ?? opts.before?.rows;
  if (expected) out.push(compareRowCounts(expected, after, opts.expectedRows ? undefined : opts.before));
  if (opts.before) {
    // What matters is the path, not the node: through the HNSW index or exact. Between
    // exact plans (a sequential scan, a bitmap scan of a btree) the planner may switch on a
    // small table whenever its statistics move (a deleted row, an autovacuum).
    const samePath = annPath(after.plan) === annPath(opts.before.plan);
    out.push({
      check: "ANN plan vs baseline",
      status: samePath ? "PASS" : "FAIL",
      detail: samePath ? `${annPath(after.plan)}: ${after.plan.join("; ") || "no plan"}` : `before: ${annPath(opts.before.plan)} (${opts.before.plan.join("; ")}); after: ${annPath(after.plan)} (${after.plan.join("; ")})`,
    });
    const dropped = new Set(opts.droppedIndexes ?? []);
    const lost = opts.before.indexes.filter(
      (d) => !after.indexes.includes(d) && after.rows[/ ON memvault\.(\w+)/.exec(d)?.[1] ?? ""] !== undefined && !dropped.has(/^CREATE (?:UNIQUE )?INDEX (\w+)/.exec(d)?.[1] ?? ""),
    );
    out.push({ check: "indexes vs baseline", status: lost.length ? "FAIL" : "PASS", detail: lost.length ? `missing or invalid: ${lost.join("; ")}` : `${after.indexes.length} valid indexes` });
  }
  if (opts.keys) {
    const { tried, opened, erased } = await openSample(opts.superuserUrl, opts.keys, opts.sample ?? 50);
    const refused = erased ? ` (and ${erased} of erased tenants refused, as they must be)` : "";
    out.push({ check: "memories opened", status: opened === tried ? "PASS" : "FAIL", detail: `${opened} of ${tried} sampled memories open with their tenants' keys${refused}` });
  } else {
    out.push({ check: "memories opened", status: "WARN", detail: "no keyring configured (MEMVAULT_KEYRING or MEMVAULT_KEYRING_FILE): memories not opened" });
  }
  return { rows: out, after };
}

/** The ANN query's path: through an HNSW index, or exact. */
const annPath = (plan: string[]) => (plan.some((node) => /using \S*hnsw/.test(node)) ? "HNSW index" : "exact");
