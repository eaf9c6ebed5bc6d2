// `memvault rollout ...`: canary rollouts of reranker variants. Runs as memvault_operator
// (OPERATOR_DATABASE_URL, or the local cluster's operator login); every change goes
// through the memvault.*_rerank_* functions, which record who made it.
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { readDbConfig } from "../config/dbConfig.ts";
import { resolveTarget } from "../db/databaseTarget.ts";
import { roleUrl } from "../db/localCluster.ts";
import { ensureLocalLogins } from "../db/localLogins.ts";
import { sha256File } from "../rerank/sha256File.ts";
import { createRerankRollout } from "../sql/createRerankRollout.ts";
import { createRerankVariant } from "../sql/createRerankVariant.ts";
import { selectRerankVariants } from "../sql/selectRerankVariants.ts";
import { selectRolloutStatus } from "../sql/selectRolloutStatus.ts";
import { setDefaultRerankVariant } from "../sql/setDefaultRerankVariant.ts";
import { transitionRerankRollout, type RolloutAction } from "../sql/transitionRerankRollout.ts";
import { CliError } from "./cliError.ts";
import { guardrailsFrom, parseDuration, parseSteps, wholeNumber, type GuardrailFlags } from "./rolloutArgs.ts";
import { formatRolloutStatus, nextDecision } from "./rolloutStatus.ts";
import { SETTINGS_VARIANT } from "../rerankVariant.ts";

export const ROLLOUT_USAGE = `usage:
  memvault rollout variant add NAME (--model-dir DIR [--sha256 H] | --url URL [--sha256 H])
                                    [--batch-size N] [--max-length N] [--threads N] [--budget-ms N]
  memvault rollout variant list
  memvault rollout variant default NAME|settings
  memvault rollout create NAME --control A --treatment B [--steps 1%:5m:100,10%:10m:500,50%:10m:1000]
                          [--interval 1m] [--failure-limit 2] [--min-interval-samples 10]
                          [--max-p95-ms MS] [--max-p95-ratio 1.5] [--max-skip-rate 0.05] [--max-skip-delta 0.02]
                          [--max-error-rate 0.01] [--max-error-delta 0.01] [--salt S]
  memvault rollout start|pause|resume|promote|abort NAME
  memvault rollout status [NAME] [--json]`;

export type RolloutFlags = GuardrailFlags & {
  "model-dir"?: string;
  url?: string;
  sha256?: string;
  "batch-size"?: string;
  "max-length"?: string;
  threads?: string;
  "budget-ms"?: string;
  control?: string;
  treatment?: string;
  steps?: string;
  interval?: string;
  "failure-limit"?: string;
  "min-interval-samples"?: string;
  salt?: string;
  json?: boolean;
};

const ACTIONS: readonly RolloutAction[] = ["start", "pause", "resume", "promote", "abort"];

async function operatorUrl(): Promise<string> {
  const url = readDbConfig().OPERATOR_DATABASE_URL;
  if (url) return url;
  const target = await resolveTarget({ start: false });
  if (!target.cluster) throw new CliError("USAGE", "OPERATOR_DATABASE_URL is required with DATABASE_URL: a memvault_operator (or superuser) connection");
  // A cluster made before memvault_operator existed gets its login now.
  await ensureLocalLogins(target.cluster);
  return roleUrl(target.cluster, "operator", target.databaseName);
}

/** Postgres refusals as coded CLI errors; the functions' own messages name no tenant data. */
function operatorError(err: unknown): unknown {
  const e = err as { code?: string; message?: string; constraint?: string; hint?: string };
  const byCode: Record<string, string> = {
    "23505": "ALREADY_EXISTS",
    "23503": "UNKNOWN_VARIANT",
    "23514": "BAD_INPUT",
    "22023": "BAD_INPUT",
    "22P02": "BAD_INPUT",
    "55000": "BAD_STATE",
    P0002: "NOT_FOUND",
    "42501": "PERMISSION_DENIED",
  };
  const code = e.code ? byCode[e.code] : undefined;
  if (!code) return err;
  const detail = e.code === "23514" || e.code === "23505" || e.code === "23503" ? `violates ${e.constraint ?? "a constraint"}` : e.message;
  return new CliError(code, `${detail}${e.hint ? ` (${e.hint})` : ""}`, { cause: err });
}

async function pinFor(dir: string): Promise<string> {
  const file = path.join(dir, "model.onnx");
  if (!fs.existsSync(file)) throw new CliError("BAD_INPUT", `${file} is not here to hash: pass --sha256 (verified out of band)`);
  return sha256File(file);
}

async function variantCommand(client: pg.Client, args: string[], flags: RolloutFlags, out: (s: string) => void): Promise<void> {
  const [verb, name] = args;
  if (verb === "list") {
    const rows = await selectRerankVariants(client);
    out(rows.length ? rows.map((v) => `${v.is_default ? "*" : " "} ${v.name}  ${v.source}  sha256 ${v.model_sha256 ?? "-"}  batch ${v.batch_size}  max_length ${v.max_length}  threads ${v.threads}  budget ${v.budget_ms}ms`).join("\n") : "no variants (every worker uses its RERANK_* settings)");
    return;
  }
  if (verb === "default" && name) {
    await setDefaultRerankVariant(client, name === SETTINGS_VARIANT ? null : name);
    out(name === SETTINGS_VARIANT ? "default: each worker's RERANK_* settings" : `default variant: ${name}`);
    return;
  }
  if (verb !== "add" || !name) throw new CliError("USAGE", ROLLOUT_USAGE);
  const modelDir = flags["model-dir"] ? path.resolve(flags["model-dir"]) : null;
  const remoteUrl = flags.url ?? null;
  if ((modelDir === null) === (remoteUrl === null)) throw new CliError("BAD_INPUT", "give exactly one of --model-dir and --url");
  let sha = flags.sha256?.toLowerCase() ?? null;
  if (modelDir && !sha) {
    sha = await pinFor(modelDir);
    out(`pinned ${path.join(modelDir, "model.onnx")} at SHA-256 ${sha} (computed here: every worker must hold the same file)`);
  }
  await createRerankVariant(client, {
    name,
    modelDir,
    remoteUrl,
    modelSha256: sha,
    batchSize: wholeNumber(flags["batch-size"], "--batch-size", 8),
    maxLength: wholeNumber(flags["max-length"], "--max-length", 256),
    threads: wholeNumber(flags.threads, "--threads", 2),
    budgetMs: wholeNumber(flags["budget-ms"], "--budget-ms", 250),
  });
  out(`variant ${name} added`);
}

export async function rolloutCommand(args: string[], flags: RolloutFlags, out: (s: string) => void = (s) => process.stdout.write(s + "\n")): Promise<void> {
  const [sub, name, ...rest] = args;
  if (!sub || (sub !== "variant" && rest.length)) throw new CliError("USAGE", ROLLOUT_USAGE);
  const client = new pg.Client({ connectionString: await operatorUrl(), application_name: "memvault rollout" });
  await client.connect();
  try {
    if (sub === "variant") return await variantCommand(client, args.slice(1), flags, out);
    if (sub === "status") {
      const status = await selectRolloutStatus(client, name);
      if (!status) throw new CliError("NOT_FOUND", name ? `no rollout named ${name}` : "no rollouts yet");
      out(flags.json ? JSON.stringify({ ...status, nextDecision: nextDecision(status) }, null, 2) : formatRolloutStatus(status));
      return;
    }
    if (!name) throw new CliError("USAGE", ROLLOUT_USAGE);
    if (sub === "create") {
      if (!flags.control || !flags.treatment) throw new CliError("USAGE", "rollout create needs --control and --treatment (memvault rollout variant list)");
      await createRerankRollout(client, {
        name,
        control: flags.control,
        treatment: flags.treatment,
        steps: parseSteps(flags.steps ?? "1%:5m:100,10%:10m:500,50%:10m:1000"),
        guardrails: guardrailsFrom(flags),
        intervalSeconds: parseDuration(flags.interval ?? "1m", "--interval"),
        failureLimit: wholeNumber(flags["failure-limit"], "--failure-limit", 2),
        minIntervalSamples: wholeNumber(flags["min-interval-samples"], "--min-interval-samples", 10),
        ...(flags.salt ? { salt: flags.salt } : {}),
      });
      out(`rollout ${name} created (pending): memvault rollout start ${name}`);
      return;
    }
    if (!(ACTIONS as readonly string[]).includes(sub)) throw new CliError("USAGE", ROLLOUT_USAGE);
    await transitionRerankRollout(client, sub as RolloutAction, name);
    out(`rollout ${name}: ${sub === "abort" ? "aborted" : sub === "promote" ? "promoted" : sub === "start" ? "started" : sub === "pause" ? "paused" : "resumed"}`);
  } catch (err) {
    throw operatorError(err);
  } finally {
    await client.end();
  }
}
