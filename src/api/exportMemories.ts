// A tenant's memories for portability: every unexpired sealed memory, opened, with its
// meta, scope, tags and times, as NDJSON (one JSON object per line), then an "end" line
// with the counts, so a reader knows the export is whole. Served at GET /export for the
// token's user and by `memvault export --user` for operators; pages of 100, each its own
// tenant transaction, so a large export never holds one long transaction.
import { once } from "node:events";
import type { ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { WithTenant } from "../db/withTenant.ts";
import { userHashPrefix } from "../logger.ts";
import { countPendingMemories } from "../sql/countPendingMemories.ts";
import type { MemoryService } from "./memoryService.ts";
import { memoryFields } from "./memoryFields.ts";
import type { Memory } from "./openMemory.ts";

export type ExportLine =
  | { kind: "memory"; id: string; createdAt: string; updatedAt: string | null; expiresAt: string | null; occurredAt: string | null; keyVersion: number; scope: string | null; tags: string[]; text: string | null; meta: Record<string, unknown> | null; error?: string }
  | { kind: "end"; memories: number; pending: number; unopened: number };

/** An NDJSON line: meta as the object itself. */
const exportLine = (m: Memory): ExportLine => ({ kind: "memory", ...memoryFields(m), meta: m.meta, ...(m.error ? { error: m.error } : {}) });

export const EXPORT_PAGE = 100;

/** `beforePage` (the API's rate limit) is paid before each page is read: an export costs its rows. */
export async function* exportMemories(service: MemoryService, withTenant: WithTenant, userHash: string, beforePage?: (rows: number) => Promise<void>): AsyncGenerator<ExportLine> {
  let after: string | undefined;
  let memories = 0;
  let unopened = 0;
  for (;;) {
    await beforePage?.(EXPORT_PAGE);
    const page = await withTenant((tx) => service.memories(tx, userHash, { first: EXPORT_PAGE, ...(after ? { after } : {}) }));
    for (const m of page.nodes) {
      memories += 1;
      if (m.error) unopened += 1;
      yield exportLine(m);
    }
    if (!page.hasNextPage || !page.endCursor) break;
    after = page.endCursor;
  }
  yield { kind: "end", memories, pending: await withTenant((tx) => countPendingMemories(tx, userHash)), unopened };
}

/** Streams exportMemories as the HTTP response, with backpressure; a failure mid-way ends with an error line (a code only). */
export async function streamExport(res: ServerResponse, service: MemoryService, tenant: { userHash: string; withTenant: WithTenant }, logger: Logger, beforePage?: (rows: number) => Promise<void>): Promise<void> {
  res.writeHead(200, { "content-type": "application/x-ndjson; charset=utf-8", "cache-control": "no-store" });
  res.flushHeaders(); // a client sees the export begin, however long its first page takes
  try {
    for await (const line of exportMemories(service, tenant.withTenant, tenant.userHash, beforePage)) {
      if (res.destroyed) return;
      if (!res.write(`${JSON.stringify(line)}\n`)) await Promise.race([once(res, "drain"), once(res, "close")]);
    }
  } catch (err) {
    const code = typeof (err as { code?: unknown }).code === "string" && /^[A-Z_]{1,40}$/.test((err as { code: string }).code) ? (err as { code: string }).code : "INTERNAL";
    logger.warn({ code, userHash: userHashPrefix(tenant.userHash) }, "export failed part-way");
    if (!res.destroyed) res.write(`${JSON.stringify({ kind: "error", code })}\n`);
  }
  res.end();
}
