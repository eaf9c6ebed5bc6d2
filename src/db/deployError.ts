import { CodedError } from "../codedError.ts";

export type DeployErrorCode =
  | "DEPLOY_RUNNING"
  | "WRONG_DATABASE"
  | "FOREIGN_MIGRATIONS"
  | "NO_REVERSE"
  | "BAD_TARGET"
  | "NO_BACKUP"
  | "BACKUP_FAILED"
  | "RESTORE_FAILED"
  | "VALIDATION_FAILED"
  | "DISTRIBUTED"
  | "DATA_LOSS"
  | "RESTORE_NOT_CONFIRMED";

/** A deploy step refused or failed, with a stable code; messages name migrations and files, never data. */
export class DeployError extends CodedError<DeployErrorCode> {
  override readonly name = "DeployError";
}
