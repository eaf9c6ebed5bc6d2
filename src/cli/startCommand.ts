// `memvault start`: today the database side only (cluster, migrations); the API and the
// worker join here as they land.
import { resolveTarget } from "../db/databaseTarget.ts";
import { migrateDatabase } from "../db/migrateDatabase.ts";

const say = (line: string) => process.stderr.write(`[memvault] ${line}\n`);

export async function startCommand(): Promise<void> {
  const target = await resolveTarget({ start: true, log: say });
  await migrateDatabase(target, say);
  const where = target.cluster ? `local cluster on 127.0.0.1:${target.cluster.port}` : "the configured database";
  say(`database ready (${where}, database ${target.databaseName})`);
  say(`DBA prompt: eval "$(bin/memvault db env)" && psql`);
}
