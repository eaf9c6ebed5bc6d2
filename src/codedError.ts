/** An error with a stable, documented code to branch on (messages are for people). */
export class CodedError<Code extends string> extends Error {
  readonly code: Code;
  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  /** GraphQL copies an original error's extensions into the error it reports. */
  get extensions(): { code: Code } {
    return { code: this.code };
  }
}
