import { CodedError } from "../codedError.ts";
export type RerankErrorCode = "RERANK_NO_MODEL" | "RERANK_BAD_MODEL" | "RERANK_REMOTE" | "RERANK_REMOTE_NOT_ALLOWED" | "RERANK_BAD_INPUT";

/** A scorer failure with a stable code; messages name files and status codes, never texts. */
export class RerankError extends CodedError<RerankErrorCode> {
  override readonly name = "RerankError";
}
