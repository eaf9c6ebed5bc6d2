// Generated cross-encoder models with the real models' interface (inputs input_ids,
// attention_mask, token_type_ids: int64 [batch, seq]; output logits: float [batch, 1]),
// in the Hugging Face / Optimum layout (model.onnx + tokenizer.json). No weights are
// downloaded: tests and benchmarks build these.
//   tiny      a small random-weight BERT encoder: fast tests
//   tinybert  ms-marco-TinyBERT-L-2-v2's shape (hidden 128, 2 layers, 2 heads, FFN 512,
//             vocab 30,522), random weights: the real model's compute, for benchmarks
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
//
//   node scripts/testModels.ts <kind> <out-dir>
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
  constructor(seed: number) {
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
  random(dims: number[], std = 0.02): string {
    const size = dims.reduce((a, b) => a * b, 1);
    const v = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      const u = Math.max(this.rand(), 1e-12);
      v[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.rand()) * std;
    }
    return this.floats(dims, v);
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
}

function layerNorm(g: Graph, x: string, hidden: number): string {
  return g.one("LayerNormalization", [x, g.fill([hidden], 1), g.fill([hidden], 0)], [attrInt("axis", -1), attrFloat("epsilon", 1e-12)]);
}

function dense(g: Graph, x: string, from: number, to: number): string {
  return g.one("Add", [g.one("MatMul", [x, g.random([from, to])]), g.fill([to], 0)]);
}

/**
 * A BERT encoder. head "logits": a [CLS] pooler and a one-logit head, as
 * sequence-classification cross-encoders are; "hidden": the token states (last_hidden_state),
 * as sentence-transformers exports are.
 */
function bertGraph(shape: BertShape, seed: number, head: "logits" | "hidden" = "logits"): Graph {
  const g = new Graph(seed);
  const { hidden: H, heads: NH } = shape;
  const HD = H / NH;
  const word = g.one("Gather", [g.random([shape.vocab, H]), "input_ids"]);
  const seqLen = g.one("Gather", [g.one("Shape", ["input_ids"]), g.ints([], [1])]);
  const positions = g.one("Range", [g.ints([], [0]), seqLen, g.ints([], [1])]);
  const pos = g.one("Gather", [g.random([shape.maxPositions, H]), positions]);
  const type = g.one("Gather", [g.random([2, H]), "token_type_ids"]);
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
    const q = split(dense(g, x, H, H), [0, 2, 1, 3]);
    const k = split(dense(g, x, H, H), [0, 2, 3, 1]);
    const v = split(dense(g, x, H, H), [0, 2, 1, 3]);
    const scores = g.one("Add", [g.one("Mul", [g.one("MatMul", [q, k]), scale]), mask4]);
    const probs = g.one("Softmax", [scores], [attrInt("axis", -1)]);
    const ctx = g.one("Reshape", [g.one("Transpose", [g.one("MatMul", [probs, v])], [attrInts("perm", [0, 2, 1, 3])]), merge]);
    const attn = layerNorm(g, g.one("Add", [dense(g, ctx, H, H), x]), H);
    // GELU (erf form), as BERT's
    const up = dense(g, attn, H, shape.intermediate);
    const gelu = g.one("Mul", [g.one("Mul", [up, g.fill([], 0.5)]), g.one("Add", [g.one("Erf", [g.one("Mul", [up, g.fill([], Math.SQRT1_2)])]), g.fill([], 1)])]);
    x = layerNorm(g, g.one("Add", [dense(g, gelu, shape.intermediate, H), attn]), H);
  }
  if (head === "hidden") {
    g.nodes.push({ opType: "Identity", input: [x], output: ["last_hidden_state"], name: "hidden" });
    return g;
  }
  const cls = g.one("Gather", [x, g.ints([], [0])], [attrInt("axis", 1)]);
  const pooled = g.one("Tanh", [dense(g, cls, H, H)]);
  g.nodes.push({ opType: "Add", input: [g.one("MatMul", [pooled, g.random([H, 1])]), g.fill([1], 0)], output: ["logits"], name: "head" });
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
  tiny: { vocab: 30_522, hidden: 16, layers: 1, heads: 2, intermediate: 32, maxPositions: 512 },
  tinybert: { vocab: 30_522, hidden: 128, layers: 2, heads: 2, intermediate: 512, maxPositions: 512 },
  minilm: { vocab: 30_522, hidden: 384, layers: 6, heads: 12, intermediate: 1_536, maxPositions: 512 },
  tinyembed: { vocab: 30_522, hidden: 16, layers: 1, heads: 2, intermediate: 32, maxPositions: 512 },
};

/** The hidden size an embedder test model produces. */
export const embedderDims = (kind: EmbedderKind): number => (kind === "wordhash" ? 384 : SHAPES[kind].hidden);

export function buildTestModel(kind: TestModelKind, seed = 42): Uint8Array {
  const embedder = EMBEDDER_KINDS.includes(kind);
  const g = kind === "overlap" ? overlapGraph() : kind === "wordhash" ? wordHashGraph(384) : bertGraph(SHAPES[kind], seed, embedder ? "hidden" : "logits");
  const io = (name: string, elemType: number, dims: (string | number)[]): O.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d })) } } },
  });
  const model: O.IModelProto = {
    irVersion: 8,
    producerName: "memvault scripts/testModels.ts",
    opsetImport: [{ domain: "", version: 17 }],
    graph: {
      name: `memvault-test-${kind}`,
      node: g.nodes,
      initializer: g.inits,
      input: ["input_ids", "attention_mask", "token_type_ids"].map((n) => io(n, T.INT64, ["batch", "sequence"])),
      output: [embedder ? io("last_hidden_state", T.FLOAT, ["batch", "sequence", kind === "wordhash" ? 384 : SHAPES[kind as "minilm"].hidden]) : io("logits", T.FLOAT, ["batch", 1])],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

/**
 * Writes the model and the real bert-base-uncased tokenizer.json into dir: a cross-encoder
 * as model.onnx; an embedder in the sentence-transformers layout (onnx/model.onnx and the
 * pooling configuration).
 */
export function writeTestModel(kind: TestModelKind, dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(TOKENIZER_JSON(), path.join(dir, "tokenizer.json"));
  if (!EMBEDDER_KINDS.includes(kind)) {
    fs.writeFileSync(path.join(dir, "model.onnx"), buildTestModel(kind));
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
  const [kind, out] = process.argv.slice(2);
  if (!kind || !out || !["tiny", "tinybert", "overlap", ...EMBEDDER_KINDS].includes(kind)) {
    process.stderr.write("usage: node scripts/testModels.ts <tiny|tinybert|overlap|minilm|wordhash|tinyembed> <out-dir>\n");
    process.exit(2);
  }
  writeTestModel(kind as TestModelKind, out);
  process.stderr.write(`wrote ${kind} model to ${out}\n`);
}
