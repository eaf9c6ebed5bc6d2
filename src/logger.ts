import { pino } from "pino";
import { config } from "./config.ts";

// Structured logs go to stderr so that command output on stdout stays pipeable.
export const logger = pino({ level: config.logLevel(), base: { service: "memvault" } }, pino.destination(2));
