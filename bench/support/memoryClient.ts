// A bench's GraphQL client for one tenant, as an application would use memvault: remember
// in batches, search in a mode, every call timed. Errors are thrown with their codes.
import { performance } from "node:perf_hooks";

const REMEMBER_MANY = `mutation($inputs: [RememberInput!]!) { rememberMany(inputs: $inputs) { id } }`;
const SEARCH = `query($q: String!, $mode: SearchMode!, $k: Int!, $rerank: Boolean!) {
  search(query: $q, mode: $mode, k: $k, rerank: $rerank) { hits { memory { id } } reranked rerankSkipReason } }`;

export type Mode = "KEYWORD" | "VECTOR" | "HYBRID";
export interface RememberInput {
  text: string;
  occurredAt?: string | null;
  meta?: Record<string, unknown>;
}

export function memoryClient(apiUrl: string, token: string) {
  async function gql<T>(query: string, variables: Record<string, unknown>): Promise<T> {
    const res = await fetch(`${apiUrl}/graphql`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as { data?: T; errors?: { extensions?: { code?: string }; message?: string }[] };
    if (body.errors?.length) throw new Error(`GraphQL ${body.errors[0]!.extensions?.code ?? "ERROR"}: ${body.errors[0]!.message ?? ""}`);
    return body.data!;
  }
  return {
    /** Ids in input order, 100 per call (the API's batch limit). */
    async rememberAll(inputs: RememberInput[]): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < inputs.length; i += 100) {
        const data = await gql<{ rememberMany: { id: string }[] }>(REMEMBER_MANY, { inputs: inputs.slice(i, i + 100) });
        ids.push(...data.rememberMany.map((r) => r.id));
      }
      return ids;
    },
    /** The hits' ids, best first, and the round trip in ms. */
    async search(q: string, mode: Mode, k: number, rerank = false): Promise<{ ids: string[]; ms: number; reranked: boolean }> {
      const t0 = performance.now();
      const data = await gql<{ search: { hits: { memory: { id: string } }[]; reranked: boolean } }>(SEARCH, { q, mode, k, rerank });
      return { ids: data.search.hits.map((h) => h.memory.id), ms: performance.now() - t0, reranked: data.search.reranked };
    },
  };
}
export type MemoryClient = ReturnType<typeof memoryClient>;
