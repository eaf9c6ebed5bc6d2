// Which ONNX file of the cross-encoder's directory to run. RERANK_MODEL_FILE names one
// (model.onnx, the fp32 export, by default) or asks for "auto": the best int8 export this CPU
// has the instructions for. An int8 export built for instructions the CPU lacks runs slowly
// or, for u8s8 kernels without VNNI, with saturated products; then, as when the file is
// missing, the fp32 model is used and the caller warns.
import fs from "node:fs";
import path from "node:path";
import type { CpuFeatures, Isa } from "../onnx/cpuFeatures.ts";

export const FP32_MODEL_FILE = "model.onnx";

/** Optimum's dynamic-quantization exports, best first, each with the instructions it is built for. */
export const INT8_EXPORTS: readonly { file: string; isa: Isa }[] = [
  { file: "onnx/model_qint8_avx512_vnni.onnx", isa: "avx512_vnni" },
  { file: "onnx/model_qint8_avx512.onnx", isa: "avx512" },
  { file: "onnx/model_quint8_avx2.onnx", isa: "avx2" },
  { file: "onnx/model_qint8_arm64.onnx", isa: "arm64" },
];

export type Precision = "fp32" | "int8";

export interface ModelFileChoice {
  /** Relative to the model directory. */
  file: string;
  precision: Precision;
  /** Set when the file asked for is not the one chosen: why, for a warning. */
  fallback?: string;
}

/** The instruction set a file name says it is built for (Optimum's suffixes), if any. */
export function isaOfModelFile(file: string): Isa | undefined {
  const m = /_(avx512_vnni|avx512|avx2|arm64)\.onnx$/.exec(path.basename(file));
  return m?.[1] as Isa | undefined;
}

export function precisionOfModelFile(file: string): Precision {
  return /(^|_)q?u?int8(_|\.)|quantized/.test(path.basename(file)) ? "int8" : "fp32";
}

export function chooseRerankModelFile(modelDir: string, requested: string, cpu: CpuFeatures, exists = (f: string) => fs.existsSync(f)): ModelFileChoice {
  const fp32: ModelFileChoice = { file: FP32_MODEL_FILE, precision: "fp32" };
  const present = (file: string) => exists(path.join(modelDir, file));
  if (requested === "auto") {
    const best = INT8_EXPORTS.find((e) => cpu.isas.includes(e.isa) && present(e.file));
    if (best) return { file: best.file, precision: "int8" };
    return { ...fp32, fallback: `RERANK_MODEL_FILE=auto: no int8 export for this CPU (${describeCpu(cpu)}) in ${modelDir}` };
  }
  if (requested === FP32_MODEL_FILE) return fp32;
  if (!present(requested)) return { ...fp32, fallback: `RERANK_MODEL_FILE=${requested} is not in ${modelDir} (memvault model fetch --rerank-file)` };
  const isa = isaOfModelFile(requested);
  if (isa && !cpu.isas.includes(isa)) {
    return { ...fp32, fallback: `RERANK_MODEL_FILE=${requested} is built for ${isa}, which this CPU (${describeCpu(cpu)}) lacks` };
  }
  return { file: requested, precision: precisionOfModelFile(requested) };
}

export const describeCpu = (cpu: CpuFeatures) => `${cpu.arch}${cpu.isas.length ? ` with ${cpu.isas.join(", ")}` : ""}`;
