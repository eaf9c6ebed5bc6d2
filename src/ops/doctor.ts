// memvault doctor: the DBA scripts plus the role checks, as PASS / WARN / FAIL rows.
import type { ErasureLedger } from "../crypto/erasureLedger.ts";
import type { Kek } from "../crypto/kek.ts";
import { kekRows } from "./kekDoctor.ts";
import pg from "pg";
import { ROLES, RUNTIME_ROLES } from "../db/roles.ts";
import { runPsqlScript, type PsqlResult } from "../db/runPsqlScript.ts";
import { COLOCATED_INDEX_TABLES, COLOCATED_TENANT_TABLES, DISTRIBUTED_TENANT_TABLES } from "../db/distributeDatabase.ts";
import { selectExtensionVersion } from "../sql/selectExtensionVersion.ts";
import { selectRoleFindings, type RoleFinding } from "../sql/selectRoleFindings.ts";
import { selectUnforcedTenantTables } from "../sql/selectUnforcedTenantTables.ts";
import { selectCitusTopology, type CitusTopology } from "../sql/selectCitusTopology.ts";
import { selectPropagatedSettings } from "../sql/selectPropagatedSettings.ts";

export type Status = "PASS" | "WARN" | "FAIL";
export interface DoctorRow {
  check: string;
  status: Status;
  detail: string;
}

/** First pgvector release without CVE-2026-3172 (parallel HNSW builds read other relations). */
export const PGVECTOR_FIXED = "0.8.2";

const SCRIPTS = ["pre_deploy_sanity.sql", "leak_test.sql", "verify_indexes.sql", "monitoring.sql"] as const;

export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** A sql/ script's run as a check row: PASS on exit 0, with its RESULT line (or its error). */
export function scriptCheckRow(script: string, res: PsqlResult): DoctorRow {
  return { check: `sql/${script}`, status: res.exitCode === 0 ? "PASS" : "FAIL", detail: lastResultLine(res.output) };
}

function lastResultLine(output: string): string {
  const lines = output.split("\n").map((l) => l.replace(/^psql:[^ ]*:\d+: (NOTICE|ERROR): {1,2}/, "").trim());
  const result = lines.filter((l) => l.startsWith("RESULT:")).pop();
  const error = lines.filter((l) => /exception|failed|error/i.test(l)).pop();
  return result ?? error ?? lines.filter(Boolean).pop() ?? "";
}

function roleRows(findings: RoleFinding[]): DoctorRow[] {
  return findings.map((f) => {
    const problems: string[] = [];
    if (!f.exists) problems.push("missing");
    if (f.superuser) problems.push("SUPERUSER");
    if (f.bypassrls) problems.push("BYPASSRLS");
    const runtime = (RUNTIME_ROLES as readonly string[]).includes(f.role);
    if (runtime && f.ownedObjects > 0) problems.push(`owns ${f.ownedObjects} objects (owners bypass grants)`);
    if (runtime && f.createSchemas.length > 0) problems.push(`CREATE on ${f.createSchemas.join(", ")} (could build indexes)`);
    if (runtime && f.canCreateTemp) problems.push("TEMP on the database (could build indexes)");
    if (f.role === ROLES.authenticator && f.inherits) problems.push("INHERIT (must be NOINHERIT)");
    return {
      check: `role ${f.role}`,
      status: problems.length ? "FAIL" : "PASS",
      detail: problems.length ? problems.join("; ") : "no superuser, no bypassrls" + (runtime ? ", owns nothing, cannot create" : ""),
    };
  });
}

/** Citus rows: nodes reachable, shards per node, what is distributed and how, settings. */
export function citusRows(topology: CitusTopology): DoctorRow[] {
  const rows: DoctorRow[] = topology.nodes.map((n) => ({
    check: `citus node ${n.node}`,
    status: n.reachable ? "PASS" : "FAIL",
    detail: `${n.reachable ? "reachable" : "UNREACHABLE from the coordinator"}, ${n.shards} shards`,
  }));
  if (topology.nodes.length === 0) rows.push({ check: "citus nodes", status: "WARN", detail: "no worker nodes: everything is on the coordinator" });
  const chunks = topology.tables.find((t) => t.table === "memvault.memory_chunks");
  rows.push(
    chunks
      ? chunks.column === "user_hash"
        ? { check: "citus memory_chunks", status: "PASS", detail: `distributed by user_hash, ${chunks.shards} shards, colocation group ${chunks.colocation}` }
        : { check: "citus memory_chunks", status: "FAIL", detail: `distributed by ${chunks.column}: a tenant's queries would not stay on one shard` }
      : { check: "citus memory_chunks", status: "WARN", detail: "not distributed yet (memvault db distribute)" },
  );
  if (chunks) {
    // A tenant's label and term hashes and its keyword statistics must sit on its chunks' shard: filters and the keyword leg join them.
    for (const name of [...COLOCATED_INDEX_TABLES, ...COLOCATED_TENANT_TABLES]) {
      const t = topology.tables.find((d) => d.table === `memvault.${name}`);
      rows.push(
        t && t.column === "user_hash" && t.colocation === chunks.colocation
          ? { check: `citus ${name}`, status: "PASS", detail: `distributed by user_hash, colocated with memory_chunks (group ${t.colocation})` }
          : { check: `citus ${name}`, status: "FAIL", detail: t ? `not colocated with memory_chunks (group ${t.colocation}, distributed by ${t.column})` : "not distributed while memory_chunks is (memvault db distribute)" },
      );
    }
  }
  const others = topology.tables.filter((t) => !(DISTRIBUTED_TENANT_TABLES as readonly string[]).includes(t.table));
  if (others.length) {
    rows.push({ check: "citus other tables", status: "WARN", detail: `also distributed: ${others.map((t) => t.table).join(", ")} (memvault keeps them on the coordinator)` });
  }
  rows.push(
    topology.localObjectRestrictions === "off"
      ? { check: "citus database settings", status: "PASS", detail: "local objects stay local (enforce_object_restrictions_for_local_objects = off); tenant settings travel as SET LOCAL" }
      : { check: "citus database settings", status: "WARN", detail: "citus.enforce_object_restrictions_for_local_objects is not off for this database: the next migration may fail (memvault db distribute sets it)" },
  );
  return rows;
}

/**
 * rootAppUrl: a superuser connection to the application database (the leak test switches
 * roles). keys: the configured KEK and erasure ledger, or why they could not be opened.
 */
export async function runDoctor(pgBin: string, rootAppUrl: string, keys?: { kek: Kek; ledger: ErasureLedger } | { problem: string }): Promise<DoctorRow[]> {
  const rows: DoctorRow[] = [];
  for (const script of SCRIPTS) {
    const res = await runPsqlScript(pgBin, rootAppUrl, script);
    rows.push(scriptCheckRow(script, res));
  }
  const client = new pg.Client({ connectionString: rootAppUrl });
  await client.connect();
  try {
    rows.push(...roleRows(await selectRoleFindings(client, [ROLES.owner, ...RUNTIME_ROLES])));
    if (keys && "kek" in keys) rows.push(...(await kekRows(client, keys.kek, keys.ledger)));
    else if (keys) rows.push({ check: "kek provider", status: "FAIL", detail: keys.problem });
    else rows.push({ check: "kek provider", status: "WARN", detail: "no keyring configured here (MEMVAULT_KEYRING_FILE): the key-encryption key and tenant keys were not checked" });
    const { tenantTables, unforced } = await selectUnforcedTenantTables(client);
    rows.push({
      check: "FORCE ROW LEVEL SECURITY",
      status: tenantTables > 0 && unforced.length === 0 ? "PASS" : "FAIL",
      detail: unforced.length ? `not forced: ${unforced.join(", ")}` : `${tenantTables} tenant tables forced`,
    });
    const version = await selectExtensionVersion(client, "vector");
    rows.push(
      version === null
        ? { check: "pgvector", status: "FAIL", detail: "extension vector not installed" }
        : compareVersions(version, PGVECTOR_FIXED) < 0
          ? {
              check: "pgvector",
              status: "WARN",
              detail: `${version} < ${PGVECTOR_FIXED}: CVE-2026-3172; mitigated (no parallel HNSW builds, runtime roles cannot create indexes); upgrade`,
            }
          : { check: "pgvector", status: "PASS", detail: version },
    );
    const topology = await selectCitusTopology(client);
    if (topology) {
      rows.push(...citusRows(topology));
      if (topology.tables.some((t) => t.table === "memvault.memory_chunks")) {
        const { expected, probes } = await selectPropagatedSettings(client);
        const bad = probes.filter((p) => p.userHash !== expected.userHash || p.efSearch !== expected.efSearch);
        rows.push(
          probes.length === 0
            ? { check: "citus propagated settings", status: "WARN", detail: "no rows on any node to probe with" }
            : bad.length
              ? { check: "citus propagated settings", status: "FAIL", detail: `SET LOCAL does not reach ${bad.map((p) => p.node).join(", ")}: tenants would see nothing there` }
              : { check: "citus propagated settings", status: "PASS", detail: `SET LOCAL app.user_hash and hnsw.ef_search reach ${probes.length} nodes` },
        );
      }
    }
  } finally {
    await client.end();
  }
  return rows;
}

export function formatDoctorTable(rows: DoctorRow[]): string {
  const w = Math.max(5, ...rows.map((r) => r.check.length));
  const head = `${"CHECK".padEnd(w)}  STATUS  DETAIL`;
  return [head, "-".repeat(head.length + 20), ...rows.map((r) => `${r.check.padEnd(w)}  ${r.status.padEnd(6)}  ${r.detail}`)].join("\n");
}
