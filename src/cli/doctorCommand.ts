// `memvault doctor`: prints the PASS/FAIL table; exits 1 when anything FAILs.
import { pgBinDir } from "../config/dbConfig.ts";
import { resolveTarget, superuserAppUrl } from "../db/databaseTarget.ts";
import { formatDoctorTable, runDoctor } from "../ops/doctor.ts";

export async function doctorCommand(): Promise<void> {
  const rows = await runDoctor(pgBinDir(), superuserAppUrl(await resolveTarget({ start: false })));
  process.stdout.write(formatDoctorTable(rows) + "\n");
  if (rows.some((r) => r.status === "FAIL")) process.exitCode = 1;
}
