// What a rollback's reverse migrations would destroy, counted before any runs: rows of the
// tables they drop, values in the columns they drop, rows they delete. `deploy rollback`
// names each and runs only when the operator confirms (--yes, or "yes" at a terminal).
import { reverseSql } from "./reverseSql.ts";
import type pg from "pg";
import type { CommittedMigration } from "./reverseMigrations.ts";

export interface DataLoss {
  /** e.g. "table memvault.memory_labels", "column memvault.chunk_ingest.labels_cipher", "rows of memvault.chunk_ingest where replaces" */
  what: string;
  rows: number;
}

const TABLE = /drop\s+table\s+(?:if\s+exists\s+)?(memvault\.\w+)/gi;
const ALTER = /alter\s+table\s+(?:only\s+)?(?:if\s+exists\s+)?(memvault\.\w+)([^;]*);/gi;
const COLUMN = /drop\s+column\s+(?:if\s+exists\s+)?(\w+)/gi;
const DELETE = /delete\s+from\s+(memvault\.\w+)(\s+where\s+[^;]+)?;/gi;
/** `--!derived memvault.x` (or `memvault.x.column`): a table or column the reverse drops whose values are derived from others (recounted, not lost). */
const DERIVED = /^--!derived (memvault\.\w+(?:\.\w+)?)[ \t]*$/gm;

/** Dollar-quoted bodies ($$ … $$, $tag$ … $tag$): a function put back by --!restore-function is defined, not run. */
const DOLLAR_QUOTED = /(\$[A-Za-z_]*\$)[\s\S]*?\1/g;

/** Statements of the reverses whose effect can be counted beforehand, in order. */
function destructiveStatements(reverse: string): { what: string; count: string }[] {
  const sql = reverse.replace(DOLLAR_QUOTED, "");
  const out: { what: string; count: string }[] = [];
  const derived = new Set([...sql.matchAll(DERIVED)].map((m) => m[1]!));
  for (const m of sql.matchAll(TABLE)) if (!derived.has(m[1]!)) out.push({ what: `table ${m[1]}`, count: `select count(*) from ${m[1]}` });
  for (const m of sql.matchAll(ALTER)) {
    for (const c of m[2]!.matchAll(COLUMN)) if (!derived.has(`${m[1]}.${c[1]}`)) out.push({ what: `column ${m[1]}.${c[1]}`, count: `select count(*) from ${m[1]} where ${c[1]} is not null` });
  }
  for (const m of sql.matchAll(DELETE)) out.push({ what: `rows of ${m[1]}${m[2] ? m[2].replace(/\s+/g, " ") : ""}`, count: `select count(*) from ${m[1]}${m[2] ?? ""}` });
  return out;
}

/** Counted as the owner (a superuser connection sees every tenant's rows: use one). */
export async function countRollbackDataLoss(client: pg.ClientBase, steps: CommittedMigration[], replace: (sql: string) => string): Promise<DataLoss[]> {
  const losses: DataLoss[] = [];
  for (const m of steps) {
    for (const s of destructiveStatements(replace(reverseSql(m)))) {
      try {
        const rows = Number((await client.query<{ count: string }>(s.count)).rows[0]!.count);
        if (rows > 0) losses.push({ what: s.what, rows });
      } catch (err) {
        // A table or column an earlier reverse of this same rollback drops first, or that
        // never existed (IF EXISTS): nothing of it to lose.
        if (!["42P01", "42703"].includes((err as { code?: string }).code ?? "")) throw err;
      }
    }
  }
  return losses;
}
