// npm run bench:crypto: seal and open throughput and latency on one core (the main
// thread; Node runs synchronous cipher calls on the calling thread) for 64 B, 1 KiB and
// 16 KiB payloads.
import { randomBytes } from "node:crypto";
import { createSealer } from "../src/crypto/seal.ts";
import { newKeyringDocument, parseKeyring } from "../src/crypto/keyring.ts";
import { printTable, progress, writeBenchResult } from "./support/benchResult.ts";
import { SMOKE } from "./support/smoke.ts";
import { measureOps } from "./support/measureOps.ts";

// A throwaway keyring generated for this run only.
const sealer = createSealer(parseKeyring("bench", JSON.stringify(newKeyringDocument())));
const ctx = { userHash: "0".repeat(63) + "1", table: "memory_chunks", field: "text", rowId: "6f1c2b3a-0000-4000-8000-000000000001" };
const SIZES = [
  { label: "64 B", key: "64b", bytes: 64, ops: SMOKE ? 2_000 : 200_000 },
  { label: "1 KiB", key: "1k", bytes: 1024, ops: SMOKE ? 2_000 : 200_000 },
  { label: "16 KiB", key: "16k", bytes: 16 * 1024, ops: SMOKE ? 500 : 50_000 },
];

const metrics: Record<string, number> = {};
const rows: (string | number)[][] = [];
for (const [n, size] of SIZES.entries()) {
  const payloads = Array.from({ length: 64 }, () => randomBytes(size.bytes));
  const blobs = payloads.map((p) => sealer.seal(p, ctx));
  const seal = measureOps(size.ops, (i) => sealer.seal(payloads[i % 64]!, ctx));
  const open = measureOps(size.ops, (i) => sealer.openSealed(blobs[i % 64]!, ctx));
  for (const [op, r] of [["seal", seal], ["open", open]] as const) {
    metrics[`${op}_ops_per_s_${size.key}`] = r.opsPerS;
    metrics[`${op}_p50_ms_${size.key}`] = r.p50;
    metrics[`${op}_p95_ms_${size.key}`] = r.p95;
    metrics[`${op}_p99_ms_${size.key}`] = r.p99;
    rows.push([op, size.label, Math.round(r.opsPerS), r.p50, r.p95, r.p99]);
  }
  progress("payload sizes", n + 1, SIZES.length);
}
printTable(["op", "payload", "ops/s", "p50 ms", "p95 ms", "p99 ms"], rows);
process.stdout.write(`wrote ${writeBenchResult("crypto", metrics)}\n`);
