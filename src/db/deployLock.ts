// One deploy at a time per database: a session-level advisory lock on the database's name,
// held in the maintenance database (a restore drops and renames the application database)
// on its own connection for the whole command, released when it ends.
import pg from "pg";
import { DeployError } from "./deployError.ts";

// A fixed key in memvault's advisory lock space: hashtext('memvault deploy').
const LOCK_SQL = "select pg_catalog.pg_try_advisory_lock(pg_catalog.hashtext('memvault deploy ' || $1::text)) as locked";

export async function withDeployLock<T>(rootUrl: string, database: string, fn: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: rootUrl, application_name: "memvault deploy (lock)" });
  // A lost lock connection must not crash the command mid-step; the step itself fails or finishes.
  client.on("error", () => {});
  await client.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>(LOCK_SQL, [database]);
    if (!rows[0]!.locked) throw new DeployError("DEPLOY_RUNNING", "another memvault deploy holds this database's deploy lock; wait for it, or find it in pg_stat_activity (application_name 'memvault deploy (lock)')");
    return await fn();
  } finally {
    await client.end(); // the lock goes with the session
  }
}
