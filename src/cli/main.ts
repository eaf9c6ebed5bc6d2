#!/usr/bin/env node
// memvault's command line. Each command lives in its own module.
import { parseArgs } from "node:util";
import { ConfigError } from "../config/configError.ts";
import { CodedError } from "../codedError.ts";
import { CliError } from "./cliError.ts";

const USAGE = `usage: memvault <command>
  start                      provision the local cluster, migrate, run memvault
  db start|stop|status       manage the local PostgreSQL cluster (MEMVAULT_HOME, default ./.memvault)
  db start --nodes N         a local Citus cluster instead: a coordinator and N-1 worker nodes (README "Scaling out")
  db distribute [--shards N] shard memory_chunks by user_hash over the Citus worker nodes (online; default 32 shards)
  db url [--role R]          connection URL (no password; see db env) for root|owner|user|worker|monitor|operator|authenticator
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
  token --sub USER [--ttl S] a development bearer token (local cluster's dev secret; refused in production)
  model fetch --sha256-model H --sha256-tokenizer H [--rerank-file onnx/model_qint8_avx512_vnni.onnx --sha256-rerank-file H]
                                                      the production cross-encoder from the Hugging Face hub (and an int8 export), checked against the pins
  model fetch --embedder --sha256-model H --sha256-tokenizer H --sha256-pooling H   the production embedder (all-MiniLM-L6-v2), likewise
  export --user ID [--out FILE]   one user's memories, opened, as NDJSON (portability requests)
  rollout variant|create|start|status|pause|resume|promote|abort   canary rollouts of reranker variants (memvault rollout --help)
  deploy check|backup|apply|rollback   the deploy procedure: checks, backup, migrate and validate, rollback (RUNBOOK.md)`;

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
      "sha256-pooling": { type: "string" },
      "rerank-file": { type: "string" },
      "sha256-rerank-file": { type: "string" },
      embedder: { type: "boolean" },
      user: { type: "string" },
      sub: { type: "string" },
      ttl: { type: "string" },
      help: { type: "boolean", short: "h" },
      // memvault rollout
      "model-dir": { type: "string" },
      sha256: { type: "string" },
      "batch-size": { type: "string" },
      "max-length": { type: "string" },
      threads: { type: "string" },
      "budget-ms": { type: "string" },
      control: { type: "string" },
      treatment: { type: "string" },
      steps: { type: "string" },
      interval: { type: "string" },
      "failure-limit": { type: "string" },
      "min-interval-samples": { type: "string" },
      "max-p95-ms": { type: "string" },
      "max-p95-ratio": { type: "string" },
      "max-skip-rate": { type: "string" },
      "max-skip-delta": { type: "string" },
      "max-error-rate": { type: "string" },
      "max-error-delta": { type: "string" },
      salt: { type: "string" },
      json: { type: "boolean" },
      // memvault deploy
      database: { type: "string" },
      to: { type: "string" },
      "from-backup": { type: "boolean" },
      yes: { type: "boolean" },
      backup: { type: "string" },
      // memvault db start --nodes / distribute --shards
      nodes: { type: "string" },
      shards: { type: "string" },
    },
  });
  const [command, sub] = positionals;
  if (command === "rollout") {
    const { rolloutCommand, ROLLOUT_USAGE } = await import("./rolloutCommand.ts");
    if (values.help || !sub) {
      process.stdout.write(ROLLOUT_USAGE + "\n");
      return;
    }
    return rolloutCommand(positionals.slice(1), values);
  }
  if (values.help || !command) {
    process.stdout.write(USAGE + "\n");
    return;
  }
  // Commands load lazily: `memvault keys` should not pay for PostGraphile or ONNX Runtime.
  switch (command) {
    case "db":
      return (await import("./dbCommand.ts")).dbCommand(sub, values);
    case "keys":
      return (await import("./keysCommand.ts")).keysCommand(sub, values);
    case "model":
      return (await import("./modelCommand.ts")).modelCommand(sub, values);
    case "export":
      return (await import("./exportCommand.ts")).exportCommand(values);
    case "ingest":
      return (await import("./ingestCommand.ts")).ingestCommand(sub);
    case "token":
      return (await import("./tokenCommand.ts")).tokenCommand(values);
    case "worker":
      return (await import("./workerCommand.ts")).workerCommand();
    case "doctor":
      return (await import("./doctorCommand.ts")).doctorCommand();
    case "deploy":
      return (await import("./deployCommand.ts")).deployCommand(sub, values);
    case "start":
      return (await import("./startCommand.ts")).startCommand();
    default:
      throw new CliError("USAGE", `unknown command '${command}'\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(),
  (err: unknown) => {
    // Coded errors (CliError, DeployError, ...) carry messages written for the operator.
    if (err instanceof CodedError || err instanceof ConfigError) {
      process.stderr.write(`memvault: ${err.code}: ${err.message}\n`);
    } else {
      process.stderr.write(`memvault: ${err instanceof Error ? err.message : String(err)}\n`);
    }
    process.exit(process.exitCode && process.exitCode !== 0 ? process.exitCode : 1);
  },
);
