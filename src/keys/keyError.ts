import { CodedError } from "../codedError.ts";

export type TenantKeyErrorCode =
  /** The tenant was erased and its purge is not finished: it sees nothing and cannot write yet. */
  | "TENANT_ERASING";

export class TenantKeyError extends CodedError<TenantKeyErrorCode> {
  override readonly name = "TenantKeyError";
}
