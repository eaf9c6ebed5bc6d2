import type pg from "pg";

/**
 * Runs fn in one transaction with app.user_hash set for that transaction only: RLS then
 * shows the task this tenant's rows and nothing else. Rolls back on any error.
 */
export async function withTenant<T>(client: pg.ClientBase, userHash: string, fn: (client: pg.ClientBase) => Promise<T>): Promise<T> {
  await client.query("begin");
  try {
    await client.query("select pg_catalog.set_config('app.user_hash', $1::text, true)", [userHash]);
    const result = await fn(client);
    await client.query("commit");
    return result;
  } catch (err) {
    await client.query("rollback").catch(() => {});
    throw err;
  }
}
