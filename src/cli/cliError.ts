/** An error the CLI reports as one line with its code, without a stack trace. */
export class CliError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CliError";
    this.code = code;
  }
}
