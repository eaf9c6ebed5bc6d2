// GET /export: everything the tenant has, opened, as NDJSON: a page per tenant transaction,
// each through the memory bucket like any other read. One export at a time per tenant, and
// it costs its rows: each page of 100 is paid from the tenant's reads before it is read
// (past the limit the export ends with an error line RATE_LIMITED).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { CheckedOperation } from "./checkOperation.ts";
import { EXPORT_PAGE, streamExport } from "./exportMemories.ts";
import { sendError } from "./httpReplies.ts";
import type { MemoryService } from "./memoryService.ts";
import type { RequestAdmission } from "./requestAdmission.ts";
import { createTenantCap } from "./tenantCap.ts";
import { RateLimitedError } from "./tenantRateLimits.ts";

const pageCost = (rows: number): CheckedOperation => ({ rootFields: ["export"], kind: "query", cost: { writes: 0, searches: 0, reranks: 0, reads: rows, subscriptions: 0 } });

export function createExportRoute(admission: RequestAdmission, service: MemoryService, logger: Logger) {
  const exports = createTenantCap(1);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== "GET") return sendError(res, 405, "BAD_REQUEST", "use GET", { allow: "GET" });
    if (!(await admission.authenticateRequest(req, res))) return;
    const tenant = admission.tenants.get(req)!;
    const leaveTenant = admission.tenantInflight.open(tenant.userHash);
    const leaveExport = leaveTenant && exports.open(tenant.userHash);
    if (!leaveTenant || !leaveExport) {
      leaveTenant?.();
      return admission.refuse(res, new RateLimitedError(leaveTenant ? "export" : "in_flight", 1_000));
    }
    res.once("close", () => {
      leaveExport();
      leaveTenant();
    });
    try {
      await admission.spend(tenant.userHash, pageCost(EXPORT_PAGE));
    } catch (err) {
      if (!(err instanceof RateLimitedError)) throw err;
      return admission.refuse(res, err);
    }
    let paid = true; // the first page, above: a refusal there is still a 429
    await streamExport(res, service, tenant, logger, async (rows) => {
      if (paid) return void (paid = false);
      await admission.spend(tenant.userHash, pageCost(rows));
    });
  };
}
