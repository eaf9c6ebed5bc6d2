// Smoke mode (BENCH_SMOKE=1, what `npm run bench:smoke` and CI run): every bench at tiny
// sizes, in seconds, so that a schema or API change that breaks a bench fails CI instead of
// rotting unnoticed. Its numbers mean nothing: they go to a temporary folder, never to
// bench/results/.
import os from "node:os";
import path from "node:path";

export const SMOKE = process.env.BENCH_SMOKE === "1";

/** Where a smoke run writes its <bench>.json. */
export const SMOKE_RESULTS = path.join(os.tmpdir(), "memvault-bench-smoke");

type Options = Record<string, { type: "string"; default: string } | { type: "string" } | { type: "boolean"; default?: boolean }>;

/** parseArgs options whose defaults are the smoke sizes in smoke mode (flags given still win). */
export function smokeDefaults<T extends Options>(options: T, smoke: Partial<Record<keyof T, string>>): T {
  if (!SMOKE) return options;
  const out = { ...options } as Record<string, unknown>;
  for (const [key, value] of Object.entries(smoke)) out[key] = { ...options[key], default: value };
  return out as T;
}
