// memvault's commands: each one's usage lines and how it runs, in one table (the CLI's help
// and docs/cli.md are generated from it). Commands load lazily: `memvault keys` should not
// pay for PostGraphile or ONNX Runtime.
import type { parseArgs } from "node:util";
import type { CLI_OPTIONS } from "./cliOptions.ts";

export type CliValues = ReturnType<typeof parseArgs<{ options: typeof CLI_OPTIONS; allowPositionals: true }>>["values"];

export interface Command {
  /** Help lines: the invocation, then what it does. */
  usage: readonly (readonly [string, string])[];
  run(sub: string | undefined, values: CliValues, positionals: string[]): Promise<void>;
}

export const COMMANDS: Readonly<Record<string, Command>> = {
  start: {
    usage: [["start", "provision the local cluster, migrate, run the API and a worker (npm start)"]],
    run: async () => (await import("./startCommand.ts")).startCommand(),
  },
  db: {
    usage: [
      ["db start|stop|status", "manage the local PostgreSQL cluster (MEMVAULT_HOME, default ./.memvault)"],
      ["db start --nodes N", "a local Citus cluster instead: a coordinator and N-1 worker nodes (docs/scaling-out.md)"],
      ["db distribute [--shards N]", "shard memory_chunks by user_hash over the Citus worker nodes (online; default 32 shards)"],
      ["db url [--role R]", "connection URL (no password; see db env) for root|owner|worker|monitor|operator|authenticator"],
      ["db env [--role R] [--migrate]", "shell exports for psql (PGPASSFILE) and graphile-migrate"],
      ["db migrate", "apply roles, extension and pending migrations"],
      ["db index-terms", "queue keyword indexing of memories sealed before keyword search (after deploying 000019 on existing data)"],
      ["db dump-schema [--url U]", "rewrite migrations/schema.sql from a migrated database"],
    ],
    run: async (sub, values) => (await import("./dbCommand.ts")).dbCommand(sub, values),
  },
  worker: {
    usage: [["worker", "run the background jobs (seal, embed, keyword index, rerank, expire, re-seal, rollout evaluation) until SIGTERM; metrics on METRICS_PORT"]],
    run: async () => (await import("./workerCommand.ts")).workerCommand(),
  },
  doctor: {
    usage: [["doctor", "DBA checks (sanity, leak test, indexes, roles) as a PASS/FAIL table"]],
    run: async () => (await import("./doctorCommand.ts")).doctorCommand(),
  },
  keys: {
    usage: [
      ["keys generate", "print a new random 256-bit key (base64)"],
      ["keys generate --keyring [--out FILE]", "a new keyring (written 0600 with --out)"],
      ["keys rotate [--file FILE] [--reseal]", "rotate the key-encryption key and rewrap every tenant's data key (no memory re-sealed); --reseal moves memories sealed before per-tenant keys onto them"],
      ["keys rewrap [--file FILE]", "rewrap every tenant's data key under the primary KEK alone (after an interrupted rotation; resumable)"],
      ["keys kek-create --label L", "a new key-encryption key on the PKCS#11 token (KEK_PROVIDER=pkcs11), for keys rotate"],
      ["keys remove --version N", "drop an old key version, refused while any memory is sealed with it"],
    ],
    run: async (sub, values) => (await import("./keysCommand.ts")).keysCommand(sub, values),
  },
  tenant: {
    usage: [
      ["tenant erase --user ID", "erase a user by destroying their data keys: nothing of theirs opens again, backups included; the purge follows in the background"],
      ["tenant rotate-key --user ID [--timeout S]", "a new sealing key for one user (a suspected leak of theirs): their memories re-sealed under it by the workers, with a progress bar; the old key then deleted"],
      ["tenant receipt --user ID [--out FILE]", "the user's signed erasure receipt, once the purge is done"],
      ["tenant receipt --verify FILE [--public-key PEM]", "check a receipt's signature (default key: this keyring's)"],
      ["tenant receipt --print-public-key", "print the public key erasure receipts are signed with (for auditors)"],
    ],
    run: async (sub, values) => (await import("./tenantCommand.ts")).tenantCommand(sub, values),
  },
  ingest: {
    usage: [["ingest retry", "reschedule failed seal jobs; queue pending memories that have no job"]],
    run: async (sub) => (await import("./ingestCommand.ts")).ingestCommand(sub),
  },
  token: {
    usage: [["token --sub USER [--ttl S]", "a development bearer token (the local cluster's development secret; refused in production)"]],
    run: async (_sub, values) => (await import("./tokenCommand.ts")).tokenCommand(values),
  },
  model: {
    usage: [
      ["model fetch --sha256-model H --sha256-tokenizer H [--rerank-file F --sha256-rerank-file H]", "the production cross-encoder (and an int8 export) from the Hugging Face hub, checked against your pins"],
      ["model fetch --embedder --sha256-model H --sha256-tokenizer H --sha256-pooling H", "the production embedder (all-MiniLM-L6-v2), likewise"],
    ],
    run: async (sub, values) => (await import("./modelCommand.ts")).modelCommand(sub, values),
  },
  export: {
    usage: [["export --user ID [--out FILE]", "one user's memories, opened, as NDJSON (portability requests)"]],
    run: async (_sub, values) => (await import("./exportCommand.ts")).exportCommand(values),
  },
  rollout: {
    usage: [["rollout variant|create|start|status|pause|resume|promote|abort", "canary rollouts of reranker variants (memvault rollout --help)"]],
    run: async (sub, values, positionals) => {
      const { rolloutCommand, ROLLOUT_USAGE } = await import("./rolloutCommand.ts");
      if (values.help || !sub) return void process.stdout.write(ROLLOUT_USAGE + "\n");
      return rolloutCommand(positionals.slice(1), values);
    },
  },
  deploy: {
    usage: [["deploy check|backup|apply|rollback", "the deploy procedure: checks, backup, migrate and validate, rollback (RUNBOOK.md)"]],
    run: async (sub, values) => (await import("./deployCommand.ts")).deployCommand(sub, values),
  },
};

export function usage(): string {
  // A long invocation gets its description on the next line, at the same indent as the rest.
  const WIDTH = 40;
  const line = ([invocation, what]: readonly [string, string]) =>
    invocation.length < WIDTH ? `  ${invocation.padEnd(WIDTH)}${what}` : `  ${invocation}\n  ${" ".repeat(WIDTH)}${what}`;
  return ["usage: memvault <command>", ...Object.values(COMMANDS).flatMap((c) => c.usage.map(line))].join("\n");
}
