// Token rows as BERT-style int64 inputs [rows, width], padded (id 0, mask 0) to the longest
// row of the batch: the cross-encoder's and the embedder's micro-batches alike.
import * as ort from "onnxruntime-node";

export interface TokenRow {
  ids: number[];
  /** Segment ids (a cross-encoder's query / text); absent: all 0. */
  typeIds?: number[];
}

export function paddedBatch(rows: TokenRow[]): { width: number; input_ids: ort.Tensor; attention_mask: ort.Tensor; token_type_ids: ort.Tensor } {
  const width = Math.max(...rows.map((r) => r.ids.length));
  const ids = new BigInt64Array(rows.length * width);
  const mask = new BigInt64Array(rows.length * width);
  const types = new BigInt64Array(rows.length * width);
  rows.forEach((r, row) => {
    for (let i = 0; i < r.ids.length; i++) {
      ids[row * width + i] = BigInt(r.ids[i]!);
      mask[row * width + i] = 1n;
      if (r.typeIds) types[row * width + i] = BigInt(r.typeIds[i]!);
    }
  });
  const dims = [rows.length, width];
  return {
    width,
    input_ids: new ort.Tensor("int64", ids, dims),
    attention_mask: new ort.Tensor("int64", mask, dims),
    token_type_ids: new ort.Tensor("int64", types, dims),
  };
}
