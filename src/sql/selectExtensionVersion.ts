import type pg from "pg";

/** Installed version of an extension in the current database, or null. */
export async function selectExtensionVersion(client: pg.ClientBase, name: string): Promise<string | null> {
  const { rows } = await client.query<{ extversion: string }>(
    "select extversion from pg_catalog.pg_extension where extname = $1::text",
    [name],
  );
  return rows[0]?.extversion ?? null;
}
