// One ONNX Runtime session on the CPU, or on CUDA with the CPU as the fallback: the
// cross-encoder and the embedder load their models the same way.
import * as ort from "onnxruntime-node";

export interface OnnxSessionOptions {
  threads: number;
  device: "cpu" | "cuda";
  /** Told when the CUDA provider cannot load and the CPU is used instead. */
  onDeviceFallback?: (error: unknown) => void;
}

/** Throws ONNX Runtime's own error when the model cannot be loaded on the CPU either. */
export async function createOnnxSession(modelFile: string, opts: OnnxSessionOptions): Promise<{ session: ort.InferenceSession; device: "cpu" | "cuda" }> {
  const sessionOptions = (providers: string[]): ort.InferenceSession.SessionOptions => ({
    executionProviders: providers,
    intraOpNumThreads: opts.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
    // ONNX Runtime's intra-op threads spin after each run by default. A worker holds several
    // sessions (the embedder, the reranker, a rollout's control and treatment), and on 2 cores
    // one session's spinning threads starve the next: with two sessions taking turns, 24 pairs
    // took 37.5 ms (fp32) / 29.7 ms (int8) at p50 spinning, 19.9 / 16.9 ms not; one session
    // alone, 18.0 vs 19.2 ms, within the noise.
    extra: { session: { intra_op: { allow_spinning: "0" } } },
  });
  if (opts.device === "cuda") {
    try {
      return { session: await ort.InferenceSession.create(modelFile, sessionOptions(["cuda", "cpu"])), device: "cuda" };
    } catch (err) {
      opts.onDeviceFallback?.(err);
    }
  }
  return { session: await ort.InferenceSession.create(modelFile, sessionOptions(["cpu"])), device: "cpu" };
}
