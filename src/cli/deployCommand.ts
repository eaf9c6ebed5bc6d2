// `memvault deploy check|apply|rollback`: the deploy procedure as commands (RUNBOOK.md).
// Each takes the database's deploy lock, logs every step with its duration, and prints a
// PASS/WARN/FAIL table; the exit code is 1 when anything FAILs.
import { enforceErasures } from "../keys/enforceErasures.ts";
import { logger } from "../logger.ts";
import { openTenantKeys } from "../keys/openTenantKeys.ts";
import type { TenantKeys } from "../keys/tenantKeys.ts";
import pg from "pg";
import { pgBinDir, readDbConfig } from "../config/dbConfig.ts";
import { ConfigError } from "../config/configError.ts";
import { createKeyringProvider } from "../crypto/keyringProvider.ts";
import { findKeyringSource } from "../crypto/findKeyringSource.ts";
import type { Keyring } from "../crypto/keyring.ts";
import { backupDatabase, listBackups } from "../db/backupDatabase.ts";
import { resolveTarget, superuserAppUrl, type DatabaseTarget } from "../db/databaseTarget.ts";
import { DeployError } from "../db/deployError.ts";
import { inspectDeployState } from "../db/deployState.ts";
import { withDeployLock } from "../db/deployLock.ts";
import { takeSnapshot } from "../db/deploySnapshot.ts";
import { formatDoctorTable, type DoctorRow } from "../ops/doctor.ts";
import { migrateDatabase } from "../db/migrateDatabase.ts";
import { restoreDatabase } from "../db/restoreDatabase.ts";
import { migrationNumber, rollbackMigrations } from "../db/rollbackMigrations.ts";
import type { DataLoss } from "../db/rollbackDataLoss.ts";
import readline from "node:readline/promises";
import { indexesDroppedByMigrations, indexesDroppedByReverses } from "../db/reverseMigrations.ts";
import { verifyDeploy } from "../ops/verifyDeploy.ts";
import { selectDistributedTableCount } from "../sql/selectDistributedTableCount.ts";
import { CliError } from "./cliError.ts";
import { deployCheckRows, requireDeployableState } from "./deployCheck.ts";

export const DEPLOY_USAGE = `usage:
  memvault deploy check                                 pending migrations and their reverses, DBA checks, backup freshness
  memvault deploy backup --database NAME                a backup now (pg_dump as a superuser, into MEMVAULT_BACKUP_DIR)
  memvault deploy apply --database NAME                 backup, migrate, validate; rolls back by itself when validation fails
  memvault deploy rollback --database NAME [--to N] [--yes]   reverse migrations back to N (default: the previous one), then verify;
                                                        one that would destroy data names it and asks (--yes: go ahead)
  memvault deploy rollback --database NAME --from-backup [--backup FILE] [--yes]   restore the latest (or given) backup, then verify`;

export interface DeployFlags {
  database?: string;
  to?: string;
  "from-backup"?: boolean;
  backup?: string;
  /** Go ahead with a rollback that destroys data, without asking. */
  yes?: boolean;
}

const log = (line: string) => process.stderr.write(`[deploy] ${line}\n`);

async function step<T>(label: string, fn: () => Promise<T> | T): Promise<T> {
  const started = performance.now();
  log(`${label} ...`);
  const out = await fn();
  log(`${label}: done in ${((performance.now() - started) / 1000).toFixed(2)} s`);
  return out;
}

/** The keyring and the tenants' keys (under the configured KEK) to open a sample of memories with, when a keyring is configured. */
function keysIfAny(target: DatabaseTarget): { keyring: Keyring; tenantKeys: TenantKeys } | undefined {
  try {
    const keyrings = createKeyringProvider(findKeyringSource(target.cluster !== undefined));
    return { keyring: keyrings.current(), tenantKeys: openTenantKeys(keyrings) };
  } catch (err) {
    if (err instanceof ConfigError) return undefined;
    throw err;
  }
}

function guardDatabase(target: DatabaseTarget, flags: DeployFlags): void {
  if (!flags.database) throw new CliError("USAGE", `--database ${target.databaseName} is required: name the database you mean to change`);
  if (flags.database !== target.databaseName) throw new DeployError("WRONG_DATABASE", `--database ${flags.database}, but the configured database is ${target.databaseName}: refusing`);
}

function report(rows: DoctorRow[], startedAt: number, what: string): void {
  process.stdout.write(formatDoctorTable(rows) + "\n");
  const failed = rows.some((r) => r.status === "FAIL");
  process.stdout.write(`${what}: ${failed ? "FAILED" : "OK"} in ${((performance.now() - startedAt) / 1000).toFixed(1)} s\n`);
  if (failed) process.exitCode = 1;
}

/** The first migration whose schema works on a distributed database (000010: router-safe triggers, SET LOCAL). */
const FIRST_CITUS_READY_MIGRATION = 10;

/**
 * What a deploy may not do to a Citus database, refused before any work. A pg_dump of the
 * coordinator holds the shards' schema but none of their rows (a "backup" that restores an
 * empty memory store); below 000010 a distributed database cannot ingest (the old trigger
 * joins a distributed table).
 */
async function refuseOnCitus(superuserUrl: string, sub: string, flags: DeployFlags): Promise<void> {
  const client = new pg.Client({ connectionString: superuserUrl });
  await client.connect();
  try {
    if ((await selectDistributedTableCount(client)) === 0) return;
    if (sub === "backup" || sub === "apply" || flags["from-backup"]) {
      throw new DeployError("DISTRIBUTED", "this database is distributed with Citus: pg_dump of the coordinator holds no shard rows. Back up every node (docs/scaling-out.md), then use `memvault db migrate`; `deploy rollback` (reverse migrations) works on Citus");
    }
    if (sub === "rollback") {
      const target = flags.to !== undefined ? migrationNumber(flags.to) : (await inspectDeployState(client)).head - 1;
      if (target < FIRST_CITUS_READY_MIGRATION) {
        throw new DeployError("DISTRIBUTED", `this database is distributed with Citus and migrations before ${String(FIRST_CITUS_READY_MIGRATION).padStart(6, "0")} do not work on it: refusing to roll back to ${String(target).padStart(6, "0")}`);
      }
    }
  } finally {
    await client.end();
  }
}

export async function deployCommand(sub: string | undefined, flags: DeployFlags): Promise<void> {
  const db = readDbConfig();
  if (!sub || !["check", "backup", "apply", "rollback"].includes(sub)) throw new CliError("USAGE", DEPLOY_USAGE);
  const target = await resolveTarget({ start: false });
  const superuserUrl = superuserAppUrl(target);
  const pgBin = pgBinDir();
  const startedAt = performance.now();
  if (sub === "check") {
    const rows = await withDeployLock(target.rootUrl, target.databaseName, () => deployCheckRows({ pgBin, superuserUrl, databaseName: target.databaseName }));
    return report(rows, startedAt, "deploy check");
  }
  guardDatabase(target, flags);
  const keys = keysIfAny(target);
  await withDeployLock(target.rootUrl, target.databaseName, async () => {
    await refuseOnCitus(superuserUrl, sub, flags);
    if (sub === "rollback" && flags["from-backup"]) return rollbackFromBackup(target, superuserUrl, flags, keys, startedAt);
    const before = await step("snapshot (row counts, indexes, ANN plan)", () => takeSnapshot(pgBin, superuserUrl));
    if (sub === "backup") {
      const { head } = await requireDeployableState(superuserUrl);
      const manifest = await step("backup (pg_dump, custom format)", () => backupDatabase({ pgBin, superuserUrl, dir: db.MEMVAULT_BACKUP_DIR, head }));
      process.stdout.write(`backup: ${manifest.file} (${(manifest.bytes / 2 ** 20).toFixed(1)} MiB, ${manifest.seconds.toFixed(1)} s)\n`);
      return;
    }
    if (sub === "apply") {
      const { head, pending } = await requireDeployableState(superuserUrl);
      const manifest = await step("backup (pg_dump, custom format)", () => backupDatabase({ pgBin, superuserUrl, dir: db.MEMVAULT_BACKUP_DIR, head }));
      log(`backup: ${manifest.file} (${(manifest.bytes / 2 ** 20).toFixed(1)} MiB)`);
      try {
        await step(`migrate (${pending.length} pending)`, () => migrateDatabase(target, log));
      } catch (err) {
        // Each migration is its own transaction: the ones before a failure are reversed too.
        log(`migrate FAILED (${(err as { code?: string }).code ?? "error"}): rolling back to ${String(head).padStart(6, "0")} by itself`);
        await step("rollback (reverse migrations)", () => rollbackMigrations({ target, to: head, log }));
        throw new DeployError("VALIDATION_FAILED", `a migration failed (${err instanceof Error ? err.message.split("\n")[0] : String(err)}); the database is back at ${String(head).padStart(6, "0")}`, { cause: err });
      }
      const droppedIndexes = indexesDroppedByMigrations(pending.map((m) => m.name));
      const { rows } = await step("validate", () => verifyDeploy({ pgBin, superuserUrl, before, droppedIndexes, ...(keys ? { keys } : {}) }));
      if (!rows.some((r) => r.status === "FAIL")) return report(rows, startedAt, "deploy apply");
      process.stdout.write(formatDoctorTable(rows) + "\n");
      log(`validation FAILED: rolling back to ${String(head).padStart(6, "0")} by itself`);
      await step("rollback (reverse migrations)", () => rollbackMigrations({ target, to: head, log }));
      const again = await step("verify after the rollback", () => verifyDeploy({ pgBin, superuserUrl, before, ...(keys ? { keys } : {}) }));
      report(again.rows, startedAt, "deploy apply (validation failed; rolled back)");
      process.exitCode = 1;
      return;
    }
    const to = flags.to !== undefined ? migrationNumber(flags.to) : undefined;
    const done = await step("rollback (reverse migrations)", () => rollbackMigrations({ target, ...(to !== undefined ? { to } : {}), log, confirmDataLoss: (losses) => confirmDataLoss(losses, flags) }));
    const droppedIndexes = indexesDroppedByReverses(done.reversed);
    const { rows } = await step("verify", () => verifyDeploy({ pgBin, superuserUrl, before, droppedIndexes, ...(keys ? { keys } : {}) }));
    report(rows, startedAt, `deploy rollback to ${String(done.to).padStart(6, "0")} (${done.reversed.length} reversed)`);
  });
}

/** Says what is about to be lost; goes on with --yes, or when a person at a terminal types "yes". */
async function confirm(lines: string[], question: string, flags: DeployFlags): Promise<boolean> {
  for (const line of lines) log(line);
  if (flags.yes) return true;
  if (!process.stdin.isTTY) return false;
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(`[deploy] type "yes" to ${question}: `)).trim() === "yes";
  } finally {
    rl.close();
  }
}

const confirmDataLoss = (losses: DataLoss[], flags: DeployFlags) =>
  confirm(losses.map((l) => `this rollback destroys ${l.what}: ${l.rows} rows`), "destroy them", flags);

/** The last resort: the latest (or given) backup restored, then checked against its own row counts. */

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function rollbackFromBackup(target: DatabaseTarget, superuserUrl: string, flags: DeployFlags, keys: { keyring: Keyring; tenantKeys: TenantKeys } | undefined, startedAt: number): Promise<void> {
  const db = readDbConfig();
  const pgBin = pgBinDir();
  const backups = listBackups(db.MEMVAULT_BACKUP_DIR, target.databaseName);
  const chosen = flags.backup ? (backups.find((b) => b.file === flags.backup) ?? { file: flags.backup }) : backups[0];
  if (!chosen) throw new DeployError("NO_BACKUP", `no backup of ${target.databaseName} in ${db.MEMVAULT_BACKUP_DIR} (MEMVAULT_BACKUP_DIR)`);
  // Erasure is not in the backup's past: whatever was forgotten or expired since comes back.
  const since = "createdAt" in chosen && chosen.createdAt ? `since ${chosen.createdAt}` : "since the backup was taken";
  const lines = [
    `restoring ${chosen.file} replaces everything written ${since}`,
    `and brings back every memory erased ${since} (forget, forgetMatching, forgetAll, expiry): repeat those erasures before the API takes traffic again (RUNBOOK section 7)`,
    "tenants erased by key destruction (erase, memvault tenant erase) stay erased: their keys are refused and they are erased again at once from the erasure ledger",
  ];
  if (!(await confirm(lines, "restore it", flags))) {
    throw new DeployError("RESTORE_NOT_CONFIRMED", `nothing was changed: run again with --yes to restore ${chosen.file}, once you can repeat the erasures made ${since}`);
  }
  const jobs = db.DEPLOY_RESTORE_JOBS;
  const { replacedBy, retired, reservationsAdded } = await step(`restore ${chosen.file} (pg_restore --jobs ${jobs})`, () =>
    restoreDatabase({ pgBin, target, superuserUrl, file: chosen.file, jobs, keyringVersions: keys?.keyring.versions ?? [] }),
  );
  if (replacedBy) log(`the replaced database is kept as ${replacedBy} (connections refused): drop it once satisfied`);
  if (retired.length) {
    log(`key versions ${retired.join(", ")} retired: their seal counts went back to the backup's; nothing seals until a new key is added (memvault keys rotate)`);
  }
  if (!keys) log("no keyring configured: a key version created after the backup is unknown here and not retired: rotate the keyring before anything seals (memvault keys rotate)");
  // The backup's own counts, and the reservation rows the retirement above added.
  const expected =
    "rows" in chosen && chosen.rows
      ? { ...chosen.rows, ...("key_seal_reservations" in chosen.rows ? { key_seal_reservations: chosen.rows.key_seal_reservations! + reservationsAdded } : {}) }
      : undefined;
  const { rows } = await step("verify", () =>
    verifyDeploy({ pgBin, superuserUrl, ...(expected ? { expectedRows: expected } : {}), ...(keys ? { keys } : {}) }),
  );
  // After the check against the backup's counts: the backup's past knows nothing of later erasures.
  if (keys) {
    const redone = await step("erasures from the ledger", () => withClient(superuserUrl, (c) => enforceErasures(c, keys.tenantKeys.ledger, logger)));
    rows.push({ check: "erasures", status: "PASS", detail: `${redone} erasure(s) the backup predates done again (${keys.tenantKeys.ledger.where}); their purge is queued` });
  } else {
    rows.push({ check: "erasures", status: "WARN", detail: "no keyring configured: the erasure ledger was not read; start a worker before the API (it re-applies erasures at start)" });
  }
  report(rows, startedAt, "deploy rollback --from-backup");
}
