// The LoCoMo evaluation: every question of categories 1-4 asked as its conversation's
// tenant in each mode, evidence recall@k per category and overall, search latency per mode,
// and the plaintext BM25 reference (same analyzer, wink-bm25-text-search) on the same turns.
import { percentile } from "./stats.ts";
import type { Conversation } from "./locomoData.ts";
import type { MemoryClient, Mode } from "./memoryClient.ts";
import { mean, recallAt } from "./retrievalMetrics.ts";
import { referenceBm25 } from "./referenceBm25.ts";
import { progress } from "./benchResult.ts";

export const KS = [1, 5, 10, 20] as const;
/** Each measured system: a mode over GraphQL (with or without the cross-encoder), or the reference. */
const SYSTEMS: { name: string; mode?: Mode; rerank?: boolean }[] = [
  { name: "keyword", mode: "KEYWORD" },
  { name: "vector", mode: "VECTOR" },
  { name: "hybrid", mode: "HYBRID" },
  { name: "hybrid_rerank", mode: "HYBRID", rerank: true },
  { name: "reference_bm25" },
];

export interface IngestedConversation {
  conversation: Conversation;
  client: MemoryClient;
  /** memory id -> turn id */
  turnOf: Map<string, string>;
}

/** recall[system][k] per category (1..4, 0 for all), and the latencies per system. */
export async function evaluateLocomo(ingested: IngestedConversation[], log: (line: string) => void) {
  const recall = new Map<string, number[]>(); // `${system}@${k}#${category}` -> per-question recalls
  const latency = new Map<string, number[]>();
  const push = <T>(m: Map<string, T[]>, key: string, v: T) => m.set(key, [...(m.get(key) ?? []), v]);
  const total = ingested.reduce((n, c) => n + c.conversation.questions.length, 0);
  let done = 0;
  for (const { conversation, client, turnOf } of ingested) {
    const reference = referenceBm25(conversation.turns.map((t) => ({ id: t.diaId, text: t.text })));
    for (const q of conversation.questions) {
      for (const s of SYSTEMS) {
        let ranked: string[];
        if (s.mode) {
          const res = await client.search(q.question, s.mode, KS.at(-1)!, s.rerank ?? false);
          push(latency, s.name, res.ms);
          ranked = res.ids.map((id) => turnOf.get(id)!);
        } else {
          ranked = reference.search(q.question, KS.at(-1)!).map((h) => h.id);
        }
        for (const k of KS) for (const c of [0, q.category]) push(recall, `${s.name}@${k}#${c}`, recallAt(ranked, q.evidence, k));
      }
      progress("asking", ++done, total);
    }
  }
  log(`${total} questions asked in ${SYSTEMS.length} ways`);
  const metrics: Record<string, number> = {};
  for (const s of SYSTEMS) {
    for (const k of KS) {
      metrics[`${s.name}_recall_at_${k}`] = mean(recall.get(`${s.name}@${k}#0`) ?? []);
      for (const c of [1, 2, 3, 4]) metrics[`${s.name}_recall_at_${k}_cat${c}`] = mean(recall.get(`${s.name}@${k}#${c}`) ?? []);
    }
  }
  for (const s of SYSTEMS.filter((x) => x.mode)) {
    metrics[`${s.name}_search_p50_ms`] = percentile(latency.get(s.name) ?? [0], 50);
    metrics[`${s.name}_search_p95_ms`] = percentile(latency.get(s.name) ?? [0], 95);
  }
  metrics.questions = total;
  return metrics;
}
