// `memvault ingest retry`: reschedule seal jobs that gave up, and give ingest rows that
// have no job one. A DBA command: it runs as the superuser.
import pg from "pg";
import { resolveTarget, superuserAppUrl } from "../db/databaseTarget.ts";
import { enqueueOrphanedIngest } from "../sql/enqueueOrphanedIngest.ts";
import { rescheduleFailedSealJobs } from "../sql/rescheduleFailedSealJobs.ts";
import { CliError } from "./cliError.ts";

export async function ingestCommand(sub: string | undefined): Promise<void> {
  if (sub !== "retry") throw new CliError("USAGE", "usage: memvault ingest retry");
  const client = new pg.Client({ connectionString: superuserAppUrl(await resolveTarget({ start: false })) });
  await client.connect();
  try {
    const rescheduled = await rescheduleFailedSealJobs(client);
    const orphaned = await enqueueOrphanedIngest(client);
    process.stdout.write(`rescheduled ${rescheduled} failed jobs; queued ${orphaned} jobs for tenants with unqueued ingest rows\n`);
  } finally {
    await client.end();
  }
}
