// `memvault doctor`: prints the PASS/FAIL table; exits 1 when anything FAILs.
import { config } from "../config.ts";
import { resolveTarget } from "../db/databaseTarget.ts";
import { formatDoctorTable, runDoctor } from "../db/doctor.ts";
import { roleUrl } from "../db/localCluster.ts";

export async function doctorCommand(): Promise<void> {
  const target = await resolveTarget({ start: false });
  let rootAppUrl: string;
  if (target.cluster) {
    rootAppUrl = roleUrl(target.cluster, "root", target.databaseName);
  } else {
    const u = new URL(target.rootUrl);
    u.pathname = `/${target.databaseName}`;
    rootAppUrl = u.toString();
  }
  const rows = await runDoctor(config.pgBin(), rootAppUrl);
  process.stdout.write(formatDoctorTable(rows) + "\n");
  if (rows.some((r) => r.status === "FAIL")) process.exitCode = 1;
}
