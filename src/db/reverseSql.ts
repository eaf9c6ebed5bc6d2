// A reverse migration's SQL. A function or view the reverse puts back as an earlier migration
// defined it is named, not pasted: `--!restore-function memvault.search_chunks` (or
// `--!restore-view memvault.monitor_tables`) stands for its `create …` statement in the latest
// committed migration before the one being reversed, copied from there at run time. Bodies then live once, in the committed
// migrations (which never change), instead of again in each reverse.
import fs from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../projectRoot.ts";
import type { CommittedMigration } from "./reverseMigrations.ts";

const COMMITTED_DIR = path.join(PROJECT_ROOT, "migrations", "committed");
const DIRECTIVE = /^--!restore-(function|view) ([a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*)[ \t]*$/gm;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The `create [or replace] function name(…) … as $tag$ … $tag$ …;` statement in `sql`, if any (the last one). */
export function functionStatement(sql: string, name: string): string | undefined {
  const starts = [...sql.matchAll(new RegExp(`^create (?:or replace )?function ${escape(name)}\\(`, "gim"))];
  const start = starts.at(-1)?.index;
  if (start === undefined) return undefined;
  const open = /\bas\s+(\$[a-z_]*\$)/gi;
  open.lastIndex = start;
  const tag = open.exec(sql);
  if (!tag) return undefined;
  const close = sql.indexOf(tag[1]!, tag.index + tag[0].length);
  const end = close < 0 ? -1 : sql.indexOf(";", close + tag[1]!.length);
  return end < 0 ? undefined : sql.slice(start, end + 1);
}

/** The `create [or replace] view name as …;` statement in `sql`, if any (the last one): it ends at the first line ending in ";". */
export function viewStatement(sql: string, name: string): string | undefined {
  const start = [...sql.matchAll(new RegExp(`^create (?:or replace )?view ${escape(name)}\\b`, "gim"))].at(-1)?.index;
  if (start === undefined) return undefined;
  const end = /;[ \t]*$/m.exec(sql.slice(start));
  return end ? sql.slice(start, start + end.index + 1) : undefined;
}

/** The function or view as the latest committed migration before `number` defined it. */
function earlierDefinition(kind: "function" | "view", name: string, number: number): string {
  const earlier = fs.readdirSync(COMMITTED_DIR).filter((f) => /^\d{6}.*\.sql$/.test(f) && Number(f.slice(0, 6)) < number).sort().reverse();
  for (const file of earlier) {
    const sql = fs.readFileSync(path.join(COMMITTED_DIR, file), "utf8");
    const statement = kind === "function" ? functionStatement(sql, name) : viewStatement(sql, name);
    // Created once, replaced here: it exists while its successor is reversed.
    if (statement) return statement.replace(/^create (function|view)/i, "create or replace $1");
  }
  throw new Error(`--!restore-${kind} ${name}: no committed migration before ${number} defines it`);
}

/** The reverse migration's SQL with its --!restore-* lines expanded (placeholders still to substitute). */
export function reverseSql(m: CommittedMigration): string {
  if (!m.reverseFile) throw new Error(`${m.name} has no reverse migration (migrations/reverse/${m.name})`);
  return fs.readFileSync(m.reverseFile, "utf8").replace(DIRECTIVE, (_line, kind: "function" | "view", name: string) => earlierDefinition(kind, name, m.number));
}
