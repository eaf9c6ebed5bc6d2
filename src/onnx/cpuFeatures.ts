// What this CPU can run fast: the instruction sets the published int8 ONNX exports are
// built for (Optimum names each file after one: _avx512_vnni, _avx512, _avx2, _arm64).
import fs from "node:fs";
import os from "node:os";

export type Isa = "avx512_vnni" | "avx512" | "avx2" | "arm64";

export interface CpuFeatures {
  arch: string;
  /** The instruction sets found, for logs and /readyz. */
  isas: Isa[];
}

/** x86 flags as /proc/cpuinfo spells them; avx512 is what Optimum's avx512 export needs (F + BW + VL). */
export function isasFromFlags(arch: string, flags: ReadonlySet<string>): Isa[] {
  if (arch === "arm64") return ["arm64"];
  const isas: Isa[] = [];
  const avx512 = flags.has("avx512f") && flags.has("avx512bw") && flags.has("avx512vl");
  if (avx512 && flags.has("avx512_vnni")) isas.push("avx512_vnni");
  if (avx512) isas.push("avx512");
  if (flags.has("avx2")) isas.push("avx2");
  return isas;
}

let detected: CpuFeatures | undefined;

/** Read once per process. Where /proc/cpuinfo is absent (not Linux) no x86 extension is assumed: the int8 exports are then not chosen. */
export function detectCpuFeatures(): CpuFeatures {
  if (detected) return detected;
  let flags = new Set<string>();
  try {
    const line = fs.readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => /^flags\s*:/.test(l));
    if (line) flags = new Set(line.slice(line.indexOf(":") + 1).trim().split(/\s+/));
  } catch {
    // Not Linux: nothing detected.
  }
  detected = { arch: os.arch(), isas: isasFromFlags(os.arch(), flags) };
  return detected;
}
