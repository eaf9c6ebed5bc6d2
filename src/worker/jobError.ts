// What a failed job records (graphile-worker's last_error, chunk_ingest.last_error):
// a stable code, never a message that could quote content. Postgres messages can quote
// values (e.g. "invalid input syntax for type …"), so only the SQLSTATE is kept.
import { CodedError } from "../codedError.ts";
import { ConfigError } from "../config/configError.ts";
import { PayloadError } from "./payloads.ts";

export class JobError extends Error {
  readonly code: string;
  constructor(code: string, options?: { cause?: unknown }) {
    super(code, options);
    this.name = "JobError";
    this.code = code;
  }
}

export function jobErrorCode(err: unknown): string {
  if (err instanceof JobError) return err.code;
  if (err instanceof ConfigError) return `MEMVAULT_CONFIG ${err.variable}`;
  // SealError, EmbedError, KekError (KEK_UNAVAILABLE: the token went away), TenantKeyError, LedgerError.
  if (err instanceof CodedError) return String(err.code);
  if (err instanceof PayloadError) return err.code;
  const sqlState = (err as { code?: unknown })?.code;
  if (typeof sqlState === "string" && /^[0-9A-Z]{5}$/.test(sqlState)) return `PG_${sqlState}`;
  return "INTERNAL";
}

/** The error a task throws: the code only, the original kept as cause for local debugging. */
export const toJobError = (err: unknown) => (err instanceof JobError ? err : new JobError(jobErrorCode(err), { cause: err }));
