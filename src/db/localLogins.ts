// The local cluster's role logins. Production operators grant LOGIN and passwords their
// own way; the local cluster gives each login role a random password kept 0600 in
// MEMVAULT_HOME.
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { PROJECT_ROOT } from "../projectRoot.ts";
import { ensureClusterPasswords, roleUrl, type ClusterState } from "./localCluster.ts";
import { LOGIN_ROLES, ROLES } from "./roles.ts";

export async function ensureLocalLogins(state: ClusterState): Promise<void> {
  ensureClusterPasswords(state);
  const client = new pg.Client({ connectionString: roleUrl(state, "root", "postgres") });
  await client.connect();
  try {
    await client.query(fs.readFileSync(path.join(PROJECT_ROOT, "migrations", "roles.sql"), "utf8"));
    for (const key of LOGIN_ROLES) {
      const role = ROLES[key];
      const password = state.passwords[role];
      if (!password) throw new Error(`no password recorded for ${role} in ${state.home}/cluster.json`);
      await client.query(`alter role ${client.escapeIdentifier(role)} login password ${client.escapeLiteral(password)}`);
    }
  } finally {
    await client.end();
  }
}
