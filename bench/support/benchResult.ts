// Every bench prints a table and writes bench/results/<name>.json as
// {"bench": name, "metrics": {...}, "machine": {...}}.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SMOKE, SMOKE_RESULTS } from "./smoke.ts";

const RESULTS = SMOKE ? SMOKE_RESULTS : path.resolve(import.meta.dirname, "..", "results");

export function machine() {
  return {
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? "unknown",
    memory_gib: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

export function writeBenchResult(bench: string, metrics: Record<string, number>, extra: Record<string, unknown> = {}): string {
  fs.mkdirSync(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `${bench}.json`);
  // Six significant digits, never to a fixed decimal: a 1-in-10,000 error rate must not round to 0.
  const rounded = Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, Number.isFinite(v) ? Number(v.toPrecision(6)) : v]));
  fs.writeFileSync(file, JSON.stringify({ bench, metrics: rounded, machine: machine(), ...extra }, null, 2) + "\n");
  return file;
}

export function printTable(headers: string[], rows: (string | number)[][]): void {
  const cells = rows.map((r) => r.map((c) => (typeof c === "number" ? (Number.isInteger(c) ? String(c) : c.toFixed(3)) : c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padStart(widths[i]!)).join("  ");
  process.stdout.write([line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)].join("\n") + "\n");
}

/** One progress line on stderr, rewritten in place on a terminal. */
export function progress(label: string, done: number, total: number): void {
  const pct = Math.floor((done / total) * 100);
  const text = `${label}: ${done}/${total} (${pct}%)`;
  if (process.stderr.isTTY) process.stderr.write(`\r${text}${done === total ? "\n" : ""}`);
  else if (done === total || done % Math.max(1, Math.floor(total / 10)) === 0) process.stderr.write(`${text}\n`);
}
