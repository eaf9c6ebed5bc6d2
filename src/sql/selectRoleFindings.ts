import type pg from "pg";

export interface RoleFinding {
  role: string;
  exists: boolean;
  superuser: boolean;
  bypassrls: boolean;
  /**
   * Holds some role's privileges without SET ROLE. PostgreSQL 15 decides it by the member's
   * INHERIT attribute; 16 and later by each grant's INHERIT option (the attribute is only the
   * default for new grants), so pg_has_role(…, 'USAGE') asks the server itself.
   */
  inherits: boolean;
  ownedObjects: number;
  createSchemas: string[];
  canCreateTemp: boolean;
}

/** Attributes and privileges of the named roles that would break tenant isolation. */
export async function selectRoleFindings(client: pg.ClientBase, roles: readonly string[]): Promise<RoleFinding[]> {
  const { rows } = await client.query<RoleFinding>(
    `select r.name as role,
            a.oid is not null as exists,
            coalesce(a.rolsuper, false) as superuser,
            coalesce(a.rolbypassrls, false) as bypassrls,
            coalesce(a.rolinherit, false)
              or exists (select 1 from pg_catalog.pg_auth_members m
                         where m.member = a.oid and pg_catalog.pg_has_role(a.oid, m.roleid, 'USAGE')) as inherits,
            case when a.oid is null then 0 else
              (select count(*) from pg_catalog.pg_class c where c.relowner = a.oid)
              + (select count(*) from pg_catalog.pg_proc p where p.proowner = a.oid)
              + (select count(*) from pg_catalog.pg_namespace n where n.nspowner = a.oid)
            end::integer as "ownedObjects",
            case when a.oid is null then '{}'::text[] else
              array(select n.nspname::text from pg_catalog.pg_namespace n
                    where n.nspname not like 'pg\\_%' and n.nspname <> 'information_schema'
                      and pg_catalog.has_schema_privilege(a.oid, n.oid, 'CREATE')
                    order by 1)
            end as "createSchemas",
            a.oid is not null and pg_catalog.has_database_privilege(a.oid, pg_catalog.current_database(), 'TEMP') as "canCreateTemp"
     from unnest($1::text[]) as r(name)
     left join pg_catalog.pg_roles a on a.rolname = r.name
     order by r.name`,
    [roles],
  );
  return rows;
}
