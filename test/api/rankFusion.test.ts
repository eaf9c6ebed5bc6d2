// Reciprocal-rank fusion and the keyword-first order used with a lexical embedder, on hand-made
// rankings whose fused order can be worked out on paper.
import { describe, expect, it } from "vitest";
import { fuseRankings, keywordFirst } from "../../src/api/rankFusion.ts";

const vector = [
  { id: "a", distance: 0.1 },
  { id: "b", distance: 0.2 },
  { id: "c", distance: 0.3 },
];
const keyword = [
  { id: "c", score: 9 },
  { id: "d", score: 5 },
  { id: "a", score: 5 },
];

describe("fuseRankings (reciprocal rank)", () => {
  it("adds weight / (k + rank) per leg: a hit both legs found near the top wins, and each hit keeps what each leg said", () => {
    // k = 60: a = 1/61 + 1/63, c = 1/63 + 1/61 (a tie, broken by the better single rank, then
    // id), b = 1/62, d = 1/62 (tie: same best rank 2, so by id).
    const fused = fuseRankings(vector, keyword, { k: 60, vectorWeight: 1, keywordWeight: 1 }, 10);
    expect(fused.map((c) => c.id)).toEqual(["a", "c", "b", "d"]);
    expect(fused[0]).toEqual({ id: "a", distance: 0.1, keywordScore: 5 });
    expect(fused.find((c) => c.id === "d")).toEqual({ id: "d", distance: null, keywordScore: 5 });
  });

  it("weights move a leg's hits up or down, and the limit cuts the fused list", () => {
    const keywordHeavy = fuseRankings(vector, keyword, { k: 60, vectorWeight: 0.1, keywordWeight: 1 }, 2);
    expect(keywordHeavy.map((c) => c.id)).toEqual(["c", "a"]);
  });
});

describe("keywordFirst (a lexical embedder's vectors fill and break ties, never vote)", () => {
  it("keeps the keyword order, breaks equal BM25 scores by vector rank, then appends what only the vector leg found", () => {
    // d and a tie at 5: a is the vector leg's first, so a before d; b only the vector leg found.
    expect(keywordFirst(vector, keyword, 10).map((c) => c.id)).toEqual(["c", "a", "d", "b"]);
    expect(keywordFirst(vector, keyword, 2).map((c) => c.id)).toEqual(["c", "a"]);
    expect(keywordFirst(vector, [], 10).map((c) => c.id)).toEqual(["a", "b", "c"]);
  });
});
