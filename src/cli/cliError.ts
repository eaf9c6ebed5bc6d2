import { CodedError } from "../codedError.ts";
/** An error the CLI reports as one line with its code, without a stack trace. */
export class CliError extends CodedError<string> {
  override readonly name = "CliError";
}
