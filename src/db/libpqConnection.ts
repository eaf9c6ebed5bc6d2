/**
 * A connection URL split for libpq tools (psql, pg_dump): the password travels in the
 * child's environment (PGPASSWORD), not on its command line where `ps` shows it.
 */
export function libpqConnection(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = "";
  return { dbname: u.toString(), env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) } };
}
