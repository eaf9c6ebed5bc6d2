// `memvault export --user ID [--out FILE]`: one user's memories as NDJSON (the same lines
// as GET /export), for operators answering a portability request. It connects as the API
// does (memvault_authenticator, switching to memvault_user with that user's tenant key), so
// RLS decides what it reads; progress goes to stderr, the export to stdout or --out (0600).
import fs from "node:fs";
import { once } from "node:events";
import { createMemoryService } from "../api/memoryService.ts";
import { exportMemories } from "../api/exportMemories.ts";
import { readDbConfig } from "../config/dbConfig.ts";
import { tenantKeyDeps } from "../api/tenantKeyDeps.ts";
import { openTenantSession } from "./tenantSession.ts";
import { CliError } from "./cliError.ts";
import { keywordSettings } from "../api/searchLegs.ts";

export async function exportCommand(flags: { user?: string; out?: string }): Promise<void> {
  const db = readDbConfig();
  if (!flags.user) throw new CliError("USAGE", "usage: memvault export --user USER_ID [--out FILE]");
  // Never over an existing file: an export is personal data, and a half-overwritten one is worse than none.
  if (flags.out && fs.existsSync(flags.out)) throw new CliError("USAGE", `${flags.out} exists: choose another --out (an export never overwrites)`);
  const session = await openTenantSession(flags.user, "export");
  const { tenantKeys, userHash } = session;
  const service = createMemoryService({
    ...tenantKeyDeps(tenantKeys),
    keyword: keywordSettings((u) => tenantKeys.current(u).termKey),
    canEmbedQuery: () => false,
    lexicalEmbedder: () => false,
    embedQuery: () => Promise.reject(new Error("export embeds nothing")),
    limits: { dims: db.EMBEDDING_DIM, maxTextBytes: db.INGEST_MAX_TEXT_BYTES, maxMetaBytes: db.INGEST_MAX_META_BYTES },
    rerankBudgetMs: 1,
    rerankCandidates: 1,
  });
  const out = flags.out ? fs.createWriteStream(flags.out, { mode: 0o600, flags: "wx" }) : process.stdout;
  let n = 0;
  try {
    for await (const line of exportMemories(service, session.withTenant, userHash)) {
      if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, "drain");
      if (line.kind === "memory" && ++n % 1_000 === 0) process.stderr.write(`[memvault] exported ${n} memories\n`);
      if (line.kind === "end") process.stderr.write(`[memvault] exported ${line.memories} memories (${line.unopened} could not be opened); ${line.pending} still pending\n`);
    }
  } finally {
    if (out !== process.stdout) await new Promise<void>((resolve) => (out as fs.WriteStream).end(resolve));
    await session.close();
  }
}
