// Where a database stands against this checkout's migrations: applied, pending, and
// foreign (applied there but not committed here: another branch's or a newer release's).
import type pg from "pg";
import { DeployError } from "./deployError.ts";
import { appliedMigrationNumbers, committedMigrations, type CommittedMigration } from "./reverseMigrations.ts";

export interface DeployState {
  applied: number[];
  pending: CommittedMigration[];
  foreign: number[];
  /** The newest applied migration known here, or 0 for none. */
  head: number;
}

export async function inspectDeployState(client: pg.ClientBase): Promise<DeployState> {
  const applied = await appliedMigrationNumbers(client);
  const committed = committedMigrations();
  const known = new Set(committed.map((m) => m.number));
  const done = new Set(applied);
  return {
    applied,
    pending: committed.filter((m) => !done.has(m.number)),
    foreign: applied.filter((n) => !known.has(n)),
    head: applied.filter((n) => known.has(n)).at(-1) ?? 0,
  };
}

/** Refuses a database that has migrations this checkout does not know (another branch's, a newer release's). */
export function assertNoForeignMigrations(state: DeployState): void {
  if (state.foreign.length) {
    throw new DeployError("FOREIGN_MIGRATIONS", `the database has migrations this checkout does not: ${state.foreign.map((n) => String(n).padStart(6, "0")).join(", ")}; deploy or roll back from the release that applied them`);
  }
}
