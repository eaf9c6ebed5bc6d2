// The fast path of `memvault deploy rollback`: the committed reverses of every migration
// applied after the target, newest first, each in its own transaction. All of them must
// exist before the first one runs, so a rollback never stops half-way for want of one.
import pg from "pg";
import { withAppSuperuser } from "./appSuperuser.ts";
import { DeployError } from "./deployError.ts";
import { assertNoForeignMigrations, inspectDeployState } from "./deployState.ts";
import type { MigrationTarget } from "./migrateDatabase.ts";
import { applyReverse, committedMigrations, placeholderReplacer } from "./reverseMigrations.ts";
import { countRollbackDataLoss, type DataLoss } from "./rollbackDataLoss.ts";

/** "7", "000007" or "000007-some-name.sql" → 7. */
export function migrationNumber(spec: string): number {
  const m = /^(\d{1,6})(?:-.*)?(?:\.sql)?$/.exec(spec.trim());
  if (!m) throw new DeployError("BAD_TARGET", `--to ${spec}: name a migration by its number (e.g. 000007)`);
  return Number(m[1]);
}

export async function rollbackMigrations(opts: {
  target: MigrationTarget;
  to?: number;
  log: (line: string) => void;
  /**
   * Shown what the reverses would destroy (counted as a superuser: RLS hides rows from the
   * owner), answers whether to go on. Absent: no check (apply rolling back the migration it
   * has just applied).
   */
  confirmDataLoss?: (losses: DataLoss[]) => Promise<boolean>;
}): Promise<{ reversed: string[]; to: number }> {
  const owner = new pg.Client({ connectionString: opts.target.ownerUrl, application_name: "memvault deploy rollback" });
  await owner.connect();
  try {
    const state = await inspectDeployState(owner);
    assertNoForeignMigrations(state);
    const to = opts.to ?? Math.max(0, state.head - 1);
    if (to > state.head) throw new DeployError("BAD_TARGET", `cannot roll back to ${to}: the database is at ${state.head}`);
    const byNumber = new Map(committedMigrations().map((m) => [m.number, m]));
    const steps = state.applied.filter((n) => n > to).sort((a, b) => b - a).map((n) => byNumber.get(n)!);
    const missing = steps.filter((m) => !m.reverseFile);
    if (missing.length) throw new DeployError("NO_REVERSE", `no reverse for ${missing.map((m) => m.name).join(", ")}: restore a backup instead (--from-backup)`);
    if (steps.length === 0) opts.log(`already at ${String(to).padStart(6, "0")}: nothing to roll back`);
    const replace = await placeholderReplacer(opts.target);
    if (opts.confirmDataLoss && steps.length > 0) {
      const losses = await withAppSuperuser(opts.target, "memvault deploy rollback (count)", (root) => countRollbackDataLoss(root, steps, replace));
      if (losses.length > 0 && !(await opts.confirmDataLoss(losses))) {
        throw new DeployError("DATA_LOSS", `rolling back to ${String(to).padStart(6, "0")} would destroy ${losses.map((l) => `${l.what} (${l.rows} rows)`).join(", ")}: nothing was changed; run again with --yes to go ahead, or restore a backup instead (--from-backup)`);
      }
    }
    for (const m of steps) {
      const started = performance.now();
      await applyReverse(owner, m, replace);
      opts.log(`reversed ${m.name} (${((performance.now() - started) / 1000).toFixed(2)} s)`);
    }
    return { reversed: steps.map((m) => m.name), to };
  } finally {
    await owner.end();
  }
}
