// npm run bench:baseline [-- DIR ...]: bench/baselines/<bench>.json from one or more result
// directories (default: bench/results), each metric the median of its runs. Run on the
// reference machine, quiet, after each bench ran >= 3 times into its own directory.
import fs from "node:fs";
import path from "node:path";
import { machine } from "./support/benchResult.ts";

const here = import.meta.dirname;
const dirs = process.argv.slice(2).length ? process.argv.slice(2) : [path.join(here, "results")];
const out = path.join(here, "baselines");
fs.mkdirSync(out, { recursive: true });
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const names = new Set(dirs.flatMap((d) => fs.readdirSync(d).filter((f) => f.endsWith(".json"))));
for (const name of [...names].sort()) {
  const runs = dirs.filter((d) => fs.existsSync(path.join(d, name))).map((d) => JSON.parse(fs.readFileSync(path.join(d, name), "utf8")) as { bench: string; metrics: Record<string, number>; corpus?: unknown });
  const keys = Object.keys(runs[0]!.metrics);
  const metrics = Object.fromEntries(keys.map((k) => [k, median(runs.map((r) => r.metrics[k]!).filter((v) => typeof v === "number"))]));
  const spread = Object.fromEntries(
    keys.flatMap((k) => {
      const vs = runs.map((r) => r.metrics[k]!).filter((v) => typeof v === "number" && v > 0);
      return vs.length > 1 ? [[k, Math.round((Math.max(...vs) / Math.min(...vs)) * 100) / 100]] : [];
    }),
  );
  const doc = {
    bench: runs[0]!.bench,
    metrics,
    runs: runs.length,
    max_over_min: spread,
    machine: { ...machine(), note: "reference machine: the project's CI box (2 vCPU AMD EPYC, shared and noisy), PostgreSQL 15 + pgvector 0.8.0" },
    ...(runs[0]!.corpus ? { corpus: runs[0]!.corpus } : {}),
  };
  fs.writeFileSync(path.join(out, name), JSON.stringify(doc, null, 2) + "\n");
  process.stdout.write(`${name}: ${runs.length} run(s) -> ${path.join(out, name)}\n`);
}
