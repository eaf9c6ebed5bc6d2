import type pg from "pg";

/** Tenant tables (memvault tables with a user_hash column) whose RLS is not both enabled and forced. */
export async function selectUnforcedTenantTables(client: pg.ClientBase): Promise<{ tenantTables: number; unforced: string[] }> {
  const { rows } = await client.query<{ tenant_tables: number; unforced: string[] }>(
    `select count(*)::integer as tenant_tables,
            coalesce(array_agg(c.relname::text order by c.relname)
                     filter (where not (c.relrowsecurity and c.relforcerowsecurity)), '{}') as unforced
     from pg_catalog.pg_class c
     join pg_catalog.pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'memvault' and c.relkind in ('r', 'p')
       and exists (select 1 from pg_catalog.pg_attribute a
                   where a.attrelid = c.oid and a.attname = 'user_hash' and not a.attisdropped)`,
  );
  const row = rows[0];
  return { tenantTables: row?.tenant_tables ?? 0, unforced: row?.unforced ?? [] };
}
