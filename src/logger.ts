import { pino, type Logger } from "pino";
import { readProcessConfig } from "./config/processConfig.ts";

// Structured JSON logs on stderr (stdout stays for command output). Never log content:
// ids, user_hash prefixes, counts and error codes only.
export const logger: Logger = pino({ level: readProcessConfig().LOG_LEVEL, base: { service: "memvault" } }, pino.destination(2));

/** The first 12 hex digits of a user_hash: enough to follow a tenant in logs, not to pin one. */
export const userHashPrefix = (userHash: string) => userHash.slice(0, 12);
