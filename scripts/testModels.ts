// Generated cross-encoder models with the real models' interface (inputs input_ids,
// attention_mask, token_type_ids: int64 [batch, seq]; output logits: float [batch, 1]),
// in the Hugging Face / Optimum layout (model.onnx + tokenizer.json). No weights are
// downloaded: tests and benchmarks build these.
//   tiny      a small random-weight BERT encoder: fast tests
//   tinybert  ms-marco-TinyBERT-L-2-v2's shape (hidden 128, 2 layers, 2 heads, FFN 512,
//             vocab 30,522), random weights (std 0.1): the real model's compute, for
//             benchmarks
//   overlap   a fixed scorer: logit = number of text tokens that also occur in the query
// and bi-encoders (embedders) in the sentence-transformers ONNX layout (onnx/model.onnx,
// tokenizer.json, 1_Pooling/config.json, modules.json; output last_hidden_state: float
// [batch, seq, hidden]):
//   minilm    all-MiniLM-L6-v2's shape (hidden 384, 6 layers, 12 heads, FFN 1536), random
//             weights, mean pooling: the real model's compute, for benchmarks
//   wordhash  a fixed embedder: each word piece is a signed one-hot vector in one of 384
//             buckets (special tokens are zero), mean pooled: texts sharing words are
//             close, so tests can check retrieval end to end
//   tinyembed a 16-dimension random encoder with CLS pooling (dimension and pooling checks)
// With --quantized, tiny and tinybert also get their int8 exports: the same weights
// dynamically quantized (DynamicQuantizeLinear + MatMulInteger, int8 / uint8 per column)
// under the names the published repositories use (onnx/model_qint8_avx512_vnni.onnx, ...).
//
//   node scripts/testModels.ts <kind> <out-dir> [--quantized]
import fs from "node:fs";
import path from "node:path";
import onnxProto from "onnx-proto";
import type { onnx as O } from "onnx-proto";

// onnx-proto is CommonJS: its namespace comes through the default export.
const { onnx } = onnxProto;
const T = onnx.TensorProto.DataType;
export type CrossEncoderKind = "tiny" | "tinybert" | "overlap";
export type EmbedderKind = "minilm" | "wordhash" | "tinyembed";
export type TestModelKind = CrossEncoderKind | EmbedderKind;
const EMBEDDER_KINDS: readonly string[] = ["minilm", "wordhash", "tinyembed"];

// Vendored (test/fixtures/SOURCE.md): tests and benches need no ../shared.
export const TOKENIZER_JSON = () => path.join(import.meta.dirname, "..", "test", "fixtures", "bert-base-uncased", "tokenizer.json");

class Graph {
  nodes: O.INodeProto[] = [];
  inits: O.ITensorProto[] = [];
  private n = 0;
  private rand: () => number;
  private std: number;
  constructor(seed: number, std = 0.02) {
    this.std = std;
    let a = seed >>> 0;
    this.rand = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), a | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  name(prefix: string) {
    return `${prefix}_${this.n++}`;
  }
  op(opType: string, inputs: string[], attrs: O.IAttributeProto[] = [], outputs = 1): string[] {
    const out = Array.from({ length: outputs }, () => this.name(opType));
    this.nodes.push({ opType, input: inputs, output: out, attribute: attrs, name: this.name(`n_${opType}`) });
    return out;
  }
  one(opType: string, inputs: string[], attrs: O.IAttributeProto[] = []): string {
    return this.op(opType, inputs, attrs)[0]!;
  }
  floats(dims: number[], values: Float32Array | number[], prefix = "w"): string {
    const name = this.name(prefix);
    this.inits.push({ name, dims, dataType: T.FLOAT, rawData: new Uint8Array(Float32Array.from(values).buffer) });
    return name;
  }
  ints(dims: number[], values: number[], prefix = "c"): string {
    const name = this.name(prefix);
    this.inits.push({ name, dims, dataType: T.INT64, rawData: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer) });
    return name;
  }
  randomValues(dims: number[], std = this.std): Float32Array {
    const size = dims.reduce((a, b) => a * b, 1);
    const v = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      const u = Math.max(this.rand(), 1e-12);
      v[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.rand()) * std;
    }
    return v;
  }
  random(dims: number[], std = this.std): string {
    return this.floats(dims, this.randomValues(dims, std));
  }
  bytes(dims: number[], values: Int8Array | Uint8Array, prefix = "q"): string {
    const name = this.name(prefix);
    const dataType = values instanceof Int8Array ? T.INT8 : T.UINT8;
    this.inits.push({ name, dims, dataType, rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) });
    return name;
  }
  fill(dims: number[], value: number): string {
    return this.floats(dims, new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(value));
  }
}

const attrInt = (name: string, i: number): O.IAttributeProto => ({ name, i, type: onnx.AttributeProto.AttributeType.INT });
const attrInts = (name: string, ints: number[]): O.IAttributeProto => ({ name, ints, type: onnx.AttributeProto.AttributeType.INTS });
const attrFloat = (name: string, f: number): O.IAttributeProto => ({ name, f, type: onnx.AttributeProto.AttributeType.FLOAT });

interface BertShape {
  vocab: number;
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
  maxPositions: number;
  /** The random weights' standard deviation. */
  std: number;
}

function layerNorm(g: Graph, x: string, hidden: number): string {
  return g.one("LayerNormalization", [x, g.fill([hidden], 1), g.fill([hidden], 0)], [attrInt("axis", -1), attrFloat("epsilon", 1e-12)]);
}

/**
 * How MatMuls with a constant weight are stored and run: fp32 (MatMul), or dynamically
 * quantized as ONNX Runtime's quantize_dynamic / Optimum write them: the activation through
 * DynamicQuantizeLinear (uint8, per tensor), the weight per output column, symmetric, as
 * int8 ("qint8", the avx512 / vnni / arm64 exports) or uint8 around 128 ("quint8", the
 * avx2 export), then MatMulInteger, Cast and one Mul by the two scales.
 */
export type WeightFormat = "fp32" | "qint8" | "quint8";

function quantizePerColumn(w: Float32Array, rows: number, cols: number, format: "qint8" | "quint8") {
  const scales = new Float32Array(cols);
  for (let j = 0; j < cols; j++) {
    let max = 0;
    for (let i = 0; i < rows; i++) max = Math.max(max, Math.abs(w[i * cols + j]!));
    // qint8: [-127, 127] around 0; quint8: [0, 255] around 128, the same step either way.
    scales[j] = max / (format === "qint8" ? 127 : 127.5) || 1;
  }
  const q = format === "qint8" ? new Int8Array(w.length) : new Uint8Array(w.length);
  const zero = format === "qint8" ? 0 : 128;
  const [lo, hi] = format === "qint8" ? [-127, 127] : [0, 255];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) q[i * cols + j] = Math.min(hi, Math.max(lo, Math.round(w[i * cols + j]! / scales[j]!) + zero));
  }
  return { q, scales, zeroPoints: format === "qint8" ? new Int8Array(cols) : new Uint8Array(cols).fill(128) };
}

function matmulConst(g: Graph, x: string, from: number, to: number, format: WeightFormat): string {
  const w = g.randomValues([from, to]);
  if (format === "fp32") return g.one("MatMul", [x, g.floats([from, to], w)]);
  const { q, scales, zeroPoints } = quantizePerColumn(w, from, to, format);
  const [xq, xScale, xZero] = g.op("DynamicQuantizeLinear", [x], [], 3) as [string, string, string];
  const product = g.one("MatMulInteger", [xq, g.bytes([from, to], q), xZero, g.bytes([to], zeroPoints)]);
  const scale = g.one("Mul", [xScale, g.floats([to], scales)]);
  return g.one("Mul", [g.one("Cast", [product], [attrInt("to", T.FLOAT)]), scale]);
}

/** An embedding table lookup; quantized: an int8 / uint8 table (per tensor) and DequantizeLinear after the Gather, as ORT quantizes Gather. */
function embedding(g: Graph, rows: number, cols: number, indices: string, format: WeightFormat): string {
  const table = g.randomValues([rows, cols]);
  if (format === "fp32") return g.one("Gather", [g.floats([rows, cols], table), indices]);
  // One column spanning the whole table: a single scale and zero point.
  const { q, scales, zeroPoints } = quantizePerColumn(table, table.length, 1, format);
  const gathered = g.one("Gather", [g.bytes([rows, cols], q), indices]);
  return g.one("DequantizeLinear", [gathered, g.floats([], [scales[0]!]), g.bytes([], zeroPoints)]);
}

function dense(g: Graph, x: string, from: number, to: number, format: WeightFormat = "fp32"): string {
  return g.one("Add", [matmulConst(g, x, from, to, format), g.fill([to], 0)]);
}

/**
 * A BERT encoder. head "logits": a [CLS] pooler and a one-logit head, as
 * sequence-classification cross-encoders are; "hidden": the token states (last_hidden_state),
 * as sentence-transformers exports are.
 */
function bertGraph(shape: BertShape, seed: number, head: "logits" | "hidden" = "logits", format: WeightFormat = "fp32"): Graph {
  const g = new Graph(seed, shape.std);
  const { hidden: H, heads: NH } = shape;
  const HD = H / NH;
  const word = embedding(g, shape.vocab, H, "input_ids", format);
  const seqLen = g.one("Gather", [g.one("Shape", ["input_ids"]), g.ints([], [1])]);
  const positions = g.one("Range", [g.ints([], [0]), seqLen, g.ints([], [1])]);
  const pos = embedding(g, shape.maxPositions, H, positions, format);
  const type = embedding(g, 2, H, "token_type_ids", format);
  let x = layerNorm(g, g.one("Add", [g.one("Add", [word, pos]), type]), H);
  // Additive mask: 0 where attended, -10000 where padded; [batch, 1, 1, seq].
  const maskF = g.one("Cast", ["attention_mask"], [attrInt("to", T.FLOAT)]);
  const negMask = g.one("Mul", [g.one("Sub", [g.fill([], 1), maskF]), g.fill([], -10000)]);
  const mask4 = g.one("Unsqueeze", [negMask, g.ints([2], [1, 2])]);
  const heads = g.ints([4], [0, 0, NH, HD]);
  const merge = g.ints([3], [0, 0, H]);
  const scale = g.fill([], 1 / Math.sqrt(HD));
  for (let l = 0; l < shape.layers; l++) {
    const split = (t: string, perm: number[]) => g.one("Transpose", [g.one("Reshape", [t, heads])], [attrInts("perm", perm)]);
    const q = split(dense(g, x, H, H, format), [0, 2, 1, 3]);
    const k = split(dense(g, x, H, H, format), [0, 2, 3, 1]);
    const v = split(dense(g, x, H, H, format), [0, 2, 1, 3]);
    const scores = g.one("Add", [g.one("Mul", [g.one("MatMul", [q, k]), scale]), mask4]);
    const probs = g.one("Softmax", [scores], [attrInt("axis", -1)]);
    const ctx = g.one("Reshape", [g.one("Transpose", [g.one("MatMul", [probs, v])], [attrInts("perm", [0, 2, 1, 3])]), merge]);
    const attn = layerNorm(g, g.one("Add", [dense(g, ctx, H, H, format), x]), H);
    // GELU (erf form), as BERT's, in the shape PyTorch exports it (x * (erf(x / sqrt 2) + 1) * 0.5),
    // which ONNX Runtime fuses into one Gelu (with the bias: BiasGelu) as it does for the real model.
    const up = dense(g, attn, H, shape.intermediate, format);
    const gelu = g.one("Mul", [g.one("Mul", [up, g.one("Add", [g.one("Erf", [g.one("Div", [up, g.fill([], Math.SQRT2)])]), g.fill([], 1)])]), g.fill([], 0.5)]);
    x = layerNorm(g, g.one("Add", [dense(g, gelu, shape.intermediate, H, format), attn]), H);
  }
  if (head === "hidden") {
    g.nodes.push({ opType: "Identity", input: [x], output: ["last_hidden_state"], name: "hidden" });
    return g;
  }
  const cls = g.one("Gather", [x, g.ints([], [0])], [attrInt("axis", 1)]);
  const pooled = g.one("Tanh", [dense(g, cls, H, H, format)]);
  g.nodes.push({ opType: "Add", input: [matmulConst(g, pooled, H, 1, format), g.fill([1], 0)], output: ["logits"], name: "head" });
  return g;
}

/** logit = how many (non-special) text tokens also occur among the query's tokens. */
function overlapGraph(): Graph {
  const g = new Graph(1);
  const ids = "input_ids";
  const isOne = (t: string) => g.one("Equal", [t, g.ints([], [1])]);
  const isZero = (t: string) => g.one("Equal", [t, g.ints([], [0])]);
  const special = g.one("Or", [g.one("Equal", [ids, g.ints([], [101])]), g.one("Equal", [ids, g.ints([], [102])])]);
  const real = g.one("And", [isOne("attention_mask"), g.one("Not", [special])]);
  const toF = (b: string) => g.one("Cast", [b], [attrInt("to", T.FLOAT)]);
  const query = toF(g.one("And", [real, isZero("token_type_ids")]));
  const text = toF(g.one("And", [real, isOne("token_type_ids")]));
  // same[b, j, i] = ids[b, j] == ids[b, i]
  const same = toF(g.one("Equal", [g.one("Unsqueeze", [ids, g.ints([1], [2])]), g.one("Unsqueeze", [ids, g.ints([1], [1])])]));
  const inQuery = g.one("ReduceMax", [g.one("Mul", [same, g.one("Unsqueeze", [query, g.ints([1], [1])])])], [attrInts("axes", [2]), attrInt("keepdims", 0)]);
  g.nodes.push({ opType: "ReduceSum", input: [g.one("Mul", [inQuery, text]), g.ints([1], [1])], output: ["logits"], attribute: [attrInt("keepdims", 1)], name: "count" });
  return g;
}

/** Word pieces as signed one-hot vectors: bucket (id * 40503) mod 384, sign from the quotient's parity. */
function wordHashGraph(dims: number): Graph {
  const g = new Graph(1);
  const ids = "input_ids";
  const mixed = g.one("Mul", [ids, g.ints([], [40_503])]);
  const bucket = g.one("Mod", [mixed, g.ints([], [dims])]);
  const parity = g.one("Mod", [g.one("Div", [mixed, g.ints([], [dims])]), g.ints([], [2])]);
  const sign = g.one("Sub", [g.fill([], 1), g.one("Mul", [g.one("Cast", [parity], [attrInt("to", T.FLOAT)]), g.fill([], 2)])]);
  const special = g.one("Or", [g.one("Or", [g.one("Equal", [ids, g.ints([], [101])]), g.one("Equal", [ids, g.ints([], [102])])]), g.one("Equal", [ids, g.ints([], [0])])]);
  const keep = g.one("Mul", [g.one("Cast", [g.one("Not", [special])], [attrInt("to", T.FLOAT)]), g.one("Cast", ["attention_mask"], [attrInt("to", T.FLOAT)])]);
  const oneHot = g.one("OneHot", [bucket, g.ints([], [dims]), g.floats([2], [0, 1])], [attrInt("axis", -1)]);
  const weight = g.one("Unsqueeze", [g.one("Mul", [sign, keep]), g.ints([1], [2])]);
  g.nodes.push({ opType: "Mul", input: [oneHot, weight], output: ["last_hidden_state"], name: "hidden" });
  return g;
}

const SHAPES: Record<"tiny" | "tinybert" | "minilm" | "tinyembed", BertShape> = {
  tiny: { vocab: 30_522, hidden: 16, layers: 1, heads: 2, intermediate: 32, maxPositions: 512, std: 0.02 },
  // 0.1, not BERT's initial 0.02: at 0.02 every passage scores within 0.001 of the others
  // (the [CLS] state barely depends on the text), a ranking of noise that no comparison of
  // fp32 and int8 orders could mean anything on. At 0.1 the 24 DL19 candidates spread
  // over ~0.5 logits.
  tinybert: { vocab: 30_522, hidden: 128, layers: 2, heads: 2, intermediate: 512, maxPositions: 512, std: 0.1 },
  minilm: { vocab: 30_522, hidden: 384, layers: 6, heads: 12, intermediate: 1_536, maxPositions: 512, std: 0.02 },
  tinyembed: { vocab: 30_522, hidden: 16, layers: 1, heads: 2, intermediate: 32, maxPositions: 512, std: 0.02 },
};

/** The hidden size an embedder test model produces. */
export const embedderDims = (kind: EmbedderKind): number => (kind === "wordhash" ? 384 : SHAPES[kind].hidden);

/**
 * format: the random-weight BERT kinds only; "qint8" / "quint8" give the same weights
 * (the same seed) dynamically quantized.
 */
export function buildTestModel(kind: TestModelKind, seed = 42, format: WeightFormat = "fp32"): Uint8Array {
  const embedder = EMBEDDER_KINDS.includes(kind);
  if (format !== "fp32" && (kind === "overlap" || kind === "wordhash")) throw new Error(`${kind} has no weights to quantize`);
  const g = kind === "overlap" ? overlapGraph() : kind === "wordhash" ? wordHashGraph(384) : bertGraph(SHAPES[kind], seed, embedder ? "hidden" : "logits", format);
  const io = (name: string, elemType: number, dims: (string | number)[]): O.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d })) } } },
  });
  const model: O.IModelProto = {
    irVersion: 8,
    producerName: "memvault scripts/testModels.ts",
    opsetImport: [{ domain: "", version: 17 }],
    graph: {
      name: `memvault-test-${kind}${format === "fp32" ? "" : `-${format}`}`,
      node: g.nodes,
      initializer: g.inits,
      input: ["input_ids", "attention_mask", "token_type_ids"].map((n) => io(n, T.INT64, ["batch", "sequence"])),
      output: [embedder ? io("last_hidden_state", T.FLOAT, ["batch", "sequence", kind === "wordhash" ? 384 : SHAPES[kind as "minilm"].hidden]) : io("logits", T.FLOAT, ["batch", 1])],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

/** The dynamically quantized files the published cross-encoder repositories ship under onnx/, by their weight format. */
export const QUANTIZED_FILES: readonly { file: string; format: "qint8" | "quint8" }[] = [
  { file: "onnx/model_qint8_avx512_vnni.onnx", format: "qint8" },
  { file: "onnx/model_qint8_avx512.onnx", format: "qint8" },
  { file: "onnx/model_qint8_arm64.onnx", format: "qint8" },
  { file: "onnx/model_quint8_avx2.onnx", format: "quint8" },
];

/**
 * Writes the model and the real bert-base-uncased tokenizer.json into dir: a cross-encoder
 * as model.onnx (with quantized: the int8 files beside it, under their published names); an
 * embedder in the sentence-transformers layout (onnx/model.onnx and the pooling
 * configuration).
 */
export function writeTestModel(kind: TestModelKind, dir: string, opts: { quantized?: boolean } = {}): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(TOKENIZER_JSON(), path.join(dir, "tokenizer.json"));
  if (!EMBEDDER_KINDS.includes(kind)) {
    fs.writeFileSync(path.join(dir, "model.onnx"), buildTestModel(kind));
    if (opts.quantized) {
      fs.mkdirSync(path.join(dir, "onnx"), { recursive: true });
      const built = { qint8: buildTestModel(kind, 42, "qint8"), quint8: buildTestModel(kind, 42, "quint8") };
      for (const { file, format } of QUANTIZED_FILES) fs.writeFileSync(path.join(dir, file), built[format]);
    }
    return dir;
  }
  const dims = embedderDims(kind as EmbedderKind);
  const cls = kind === "tinyembed";
  fs.mkdirSync(path.join(dir, "onnx"), { recursive: true });
  fs.mkdirSync(path.join(dir, "1_Pooling"), { recursive: true });
  fs.writeFileSync(path.join(dir, "onnx", "model.onnx"), buildTestModel(kind));
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ model_type: "bert", hidden_size: dims }, null, 2));
  fs.writeFileSync(
    path.join(dir, "1_Pooling", "config.json"),
    JSON.stringify({ word_embedding_dimension: dims, pooling_mode_cls_token: cls, pooling_mode_mean_tokens: !cls, pooling_mode_max_tokens: false }, null, 2),
  );
  fs.writeFileSync(
    path.join(dir, "modules.json"),
    JSON.stringify([
      { idx: 0, name: "0", path: "", type: "sentence_transformers.models.Transformer" },
      { idx: 1, name: "1", path: "1_Pooling", type: "sentence_transformers.models.Pooling" },
      { idx: 2, name: "2", path: "2_Normalize", type: "sentence_transformers.models.Normalize" },
    ], null, 2),
  );
  return dir;
}

if (import.meta.filename === process.argv[1]) {
  const args = process.argv.slice(2);
  const quantized = args.includes("--quantized");
  const [kind, out] = args.filter((a) => a !== "--quantized");
  if (!kind || !out || !["tiny", "tinybert", "overlap", ...EMBEDDER_KINDS].includes(kind) || (quantized && !["tiny", "tinybert"].includes(kind))) {
    process.stderr.write("usage: node scripts/testModels.ts <tiny|tinybert|overlap|minilm|wordhash|tinyembed> <out-dir> [--quantized (tiny, tinybert)]\n");
    process.exit(2);
  }
  writeTestModel(kind as TestModelKind, out, { quantized });
  process.stderr.write(`wrote ${kind} model to ${out}\n`);
}
