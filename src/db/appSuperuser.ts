// A superuser session on the application database (the target's root URL pointed at the
// owner's database): what must see every tenant's rows, for migrate and rollback alike.
import pg from "pg";
import type { MigrationTarget } from "./migrateDatabase.ts";

export async function withAppSuperuser<T>(target: MigrationTarget, applicationName: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const url = new URL(target.rootUrl);
  url.pathname = new URL(target.ownerUrl).pathname;
  const client = new pg.Client({ connectionString: url.toString(), application_name: applicationName });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
