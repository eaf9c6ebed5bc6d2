import { CodedError } from "../codedError.ts";

export type InputErrorCode =
  | "BAD_ID"
  | "TEXT_EMPTY"
  | "TEXT_TOO_LONG"
  | "TEXT_INVALID"
  | "META_NOT_OBJECT"
  | "META_TOO_LARGE"
  | "META_TOO_DEEP"
  | "META_INVALID"
  | "EMBEDDING_DIMENSION"
  | "EMBEDDING_NOT_FINITE"
  | "EMBEDDING_ZERO"
  | "QUERY_TOO_LONG"
  | "ID_TAKEN"
  | "K_OUT_OF_RANGE"
  | "BAD_MODE"
  | "QUERY_REQUIRED"
  | "PAGE_SIZE"
  | "BAD_CURSOR"
  | "BATCH_TOO_LARGE"
  | "SCOPE_INVALID"
  | "SCOPE_TOO_LONG"
  | "TAG_INVALID"
  | "TAG_TOO_LONG"
  | "TOO_MANY_TAGS"
  | "FILTER_TOO_LARGE"
  | "BAD_TIMESTAMP"
  | "EXPIRES_IN_PAST"
  | "BAD_THRESHOLD"
  | "EMBEDDING_OR_QUERY"
  | "UPDATE_EMPTY"
  | "NOT_FOUND";

/** Bad client input: a stable code, a message that quotes no content, nothing written. */
export class InputError extends CodedError<InputErrorCode> {
  override readonly name = "InputError";
}
