// `memvault deploy check`'s rows: where the migrations stand (and whether each pending one
// ships its reverse), the doctor's checks, and how fresh the newest backup is.
import pg from "pg";
import { readDbConfig } from "../config/dbConfig.ts";
import { listBackups } from "../db/backupDatabase.ts";
import { DeployError } from "../db/deployError.ts";
import { assertNoForeignMigrations, inspectDeployState, type DeployState } from "../db/deployState.ts";
import { runDoctor, type DoctorRow } from "../ops/doctor.ts";

const num = (n: number) => String(n).padStart(6, "0");

async function stateOf(superuserUrl: string): Promise<DeployState> {
  const client = new pg.Client({ connectionString: superuserUrl });
  await client.connect();
  try {
    return await inspectDeployState(client);
  } finally {
    await client.end();
  }
}

/** The state `deploy apply` may start from: nothing foreign applied, every pending migration reversible. */
export async function requireDeployableState(superuserUrl: string): Promise<DeployState> {
  const state = await stateOf(superuserUrl);
  assertNoForeignMigrations(state);
  const noReverse = state.pending.filter((m) => !m.reverseFile);
  if (noReverse.length) throw new DeployError("NO_REVERSE", `pending migrations without a reverse: ${noReverse.map((m) => m.name).join(", ")}`);
  return state;
}

export async function deployCheckRows(opts: { pgBin: string; superuserUrl: string; databaseName: string }): Promise<DoctorRow[]> {
  const db = readDbConfig();
  const state = await stateOf(opts.superuserUrl);
  const rows: DoctorRow[] = [];
  rows.push(
    state.foreign.length
      ? { check: "migrations", status: "FAIL", detail: `applied here but not in this checkout: ${state.foreign.map(num).join(", ")}` }
      : { check: "migrations", status: "PASS", detail: `at ${num(state.head)}; ${state.pending.length ? `${state.pending.length} pending` : "none pending"}` },
  );
  for (const m of state.pending) {
    rows.push({ check: `pending ${m.name.slice(0, 40)}`, status: m.reverseFile ? "PASS" : "FAIL", detail: m.reverseFile ? "reverse: yes" : `reverse: MISSING (migrations/reverse/${m.name})` });
  }
  rows.push(...(await runDoctor(opts.pgBin, opts.superuserUrl)));
  const newest = listBackups(db.MEMVAULT_BACKUP_DIR, opts.databaseName)[0];
  const maxHours = db.DEPLOY_BACKUP_MAX_AGE_HOURS;
  const ageHours = newest ? (Date.now() - Date.parse(newest.createdAt)) / 3_600_000 : Infinity;
  rows.push(
    ageHours <= maxHours
      ? { check: "backup freshness", status: "PASS", detail: `${newest!.file} (${ageHours.toFixed(1)} h old, at ${num(newest!.head)})` }
      : { check: "backup freshness", status: "FAIL", detail: newest ? `newest backup is ${ageHours.toFixed(1)} h old (> ${maxHours} h): memvault deploy backup --database ${opts.databaseName}` : `no backup in ${db.MEMVAULT_BACKUP_DIR}: memvault deploy backup --database ${opts.databaseName}` },
  );
  return rows;
}
