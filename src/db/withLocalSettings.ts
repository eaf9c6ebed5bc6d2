import type pg from "pg";

/**
 * Runs fn in one transaction with the given settings applied for that transaction only
 * (set_config(..., true)), so nothing outlives it on a pooled connection. Rolls back on error.
 */
export async function withLocalSettings<T>(client: pg.ClientBase, settings: Record<string, string>, fn: (client: pg.ClientBase) => Promise<T>): Promise<T> {
  await client.query("begin");
  try {
    await client.query("select pg_catalog.set_config(k, v, true) from unnest($1::text[], $2::text[]) as s(k, v)", [
      Object.keys(settings),
      Object.values(settings),
    ]);
    const result = await fn(client);
    await client.query("commit");
    return result;
  } catch (err) {
    await client.query("rollback").catch(() => {});
    throw err;
  }
}
