export type RerankErrorCode = "RERANK_NO_MODEL" | "RERANK_BAD_MODEL" | "RERANK_REMOTE" | "RERANK_BAD_INPUT";

/** A scorer failure with a stable code; messages name files and status codes, never texts. */
export class RerankError extends Error {
  readonly code: RerankErrorCode;
  constructor(code: RerankErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RerankError";
    this.code = code;
  }
}
