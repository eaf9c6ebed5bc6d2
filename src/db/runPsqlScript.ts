// The DBA scripts in sql/ are the checks; doctor runs them exactly as a DBA would.
import { spawn } from "node:child_process";
import path from "node:path";
import { libpqConnection } from "./libpqConnection.ts";
import { PROJECT_ROOT } from "../projectRoot.ts";

export interface PsqlResult {
  exitCode: number;
  output: string;
}

export function psqlScriptPath(name: string): string {
  return path.join(PROJECT_ROOT, "sql", name);
}

export function runPsqlScript(pgBin: string, url: string, script: string, vars: Record<string, string> = {}): Promise<PsqlResult> {
  const { dbname, env } = libpqConnection(url);
  const args = ["--no-psqlrc", "--dbname", dbname, "--file", psqlScriptPath(script)];
  for (const [k, v] of Object.entries(vars)) args.push("--set", `${k}=${v}`);
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(pgBin, "psql"), args, { stdio: ["ignore", "pipe", "pipe"], env });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ exitCode: code ?? 1, output }));
  });
}
