#!/usr/bin/env node
// memvault's command line. Each command lives in its own module.
import { parseArgs } from "node:util";
import { ConfigError } from "../config.ts";
import { CliError } from "./cliError.ts";
import { dbCommand } from "./dbCommand.ts";
import { doctorCommand } from "./doctorCommand.ts";
import { ingestCommand } from "./ingestCommand.ts";
import { keysCommand } from "./keysCommand.ts";
import { modelCommand } from "./modelCommand.ts";
import { startCommand } from "./startCommand.ts";
import { workerCommand } from "./workerCommand.ts";

const USAGE = `usage: memvault <command>
  start                      provision the local cluster, migrate, run memvault
  db start|stop|status       manage the local PostgreSQL cluster (MEMVAULT_HOME, default ./.memvault)
  db url [--role R]          connection URL (no password; see db env) for root|owner|user|worker|monitor|authenticator
  db env [--role R] [--migrate]  shell exports for psql (PGPASSFILE) and graphile-migrate
  db migrate                 apply roles, extension and pending migrations
  db dump-schema [--url U]   rewrite migrations/schema.sql from a migrated database
  worker                     run background jobs (sealing) until SIGTERM; metrics on METRICS_PORT
  doctor                     DBA checks (sanity, leak test, indexes, roles) as a PASS/FAIL table
  keys generate              print a new random 256-bit key (base64)
  keys generate --keyring [--out FILE]   a new keyring (written 0600 with --out)
  keys rotate [--file FILE] [--reseal]  add a new primary key; --reseal re-seals old rows with a progress bar
  keys remove --version N    drop an old key version, refused while any chunk is sealed with it
  ingest retry               reschedule failed seal jobs; queue ingest rows that have no job
  model fetch --sha256-model H --sha256-tokenizer H   the production cross-encoder from the Hugging Face hub, checked against the pins`;

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      role: { type: "string" },
      url: { type: "string" },
      migrate: { type: "boolean" },
      keyring: { type: "boolean" },
      out: { type: "string" },
      file: { type: "string" },
      reseal: { type: "boolean" },
      version: { type: "string" },
      timeout: { type: "string" },
      revision: { type: "string" },
      endpoint: { type: "string" },
      "sha256-model": { type: "string" },
      "sha256-tokenizer": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command, sub] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE + "\n");
    return;
  }
  switch (command) {
    case "db":
      return dbCommand(sub, values);
    case "keys":
      return keysCommand(sub, values);
    case "model":
      return modelCommand(sub, values);
    case "ingest":
      return ingestCommand(sub);
    case "worker":
      return workerCommand();
    case "doctor":
      return doctorCommand();
    case "start":
      return startCommand();
    default:
      throw new CliError("USAGE", `unknown command '${command}'\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(),
  (err: unknown) => {
    if (err instanceof CliError || err instanceof ConfigError) {
      process.stderr.write(`memvault: ${err.code}: ${err.message}\n`);
    } else {
      process.stderr.write(`memvault: ${err instanceof Error ? err.message : String(err)}\n`);
    }
    process.exit(process.exitCode && process.exitCode !== 0 ? process.exitCode : 1);
  },
);
