// Query's fields: a memory by id, a page, a count, a search; each in the request's tenant transactions.
import { context, flagError, lambda, SafeError, type FieldArgs, type Step } from "postgraphile/grafast";
import { erasureOut, hitsOut, memoryOut, memoryStateOut, searchArgs } from "./graphqlValues.ts";
import type { MemoryService } from "./memoryService.ts";
import { tenantOf } from "./requestTenant.ts";

/** Memory's fields: one that failed to open is an error on that field (with the seal's code), and null: never another row's data. */
export const memoryPlans = {
  text($memory: Step) {
    return lambda($memory, (m: ReturnType<typeof memoryOut>) => (m.error ? flagError(new SafeError("memory could not be opened", { code: m.error })) : m.text));
  },
  meta($memory: Step) {
    return lambda($memory, (m: ReturnType<typeof memoryOut>) => (m.error ? flagError(new SafeError("memory could not be opened", { code: m.error })) : m.meta));
  },
};

export function queryPlans(service: MemoryService) {
  return {
    memory(_$root: Step, fieldArgs: FieldArgs) {
      return lambda([context(), fieldArgs.getRaw("id")], async ([ctx, id]) => {
        const t = tenantOf(ctx);
        const state = await t.withTenant((tx) => service.memoryState(tx, t.userHash, id as string));
        return state ? memoryStateOut(state) : null;
      });
    },
    memories(_$root: Step, fieldArgs: FieldArgs) {
      return lambda([context(), fieldArgs.getRaw("first"), fieldArgs.getRaw("after"), fieldArgs.getRaw("filter")], async ([ctx, first, after, filter]) => {
        const t = tenantOf(ctx);
        const page = await t.withTenant((tx) => service.memories(tx, t.userHash, { first: first as number, ...(after ? { after: after as string } : {}), filter }));
        return { ...page, nodes: page.nodes.map(memoryOut) };
      });
    },
    erasures() {
      return lambda(context(), async (ctx) => {
        const t = tenantOf(ctx);
        return (await t.withTenant((tx) => service.erasures(tx, t.userHash))).map(erasureOut);
      });
    },
    count(_$root: Step, fieldArgs: FieldArgs) {
      return lambda([context(), fieldArgs.getRaw("filter")], async ([ctx, filter]) => {
        const t = tenantOf(ctx);
        return t.withTenant((tx) => service.count(tx, t.userHash, filter));
      });
    },
    search(_$root: Step, fieldArgs: FieldArgs) {
      return lambda(
        [context(), fieldArgs.getRaw("embedding"), fieldArgs.getRaw("query"), fieldArgs.getRaw("mode"), fieldArgs.getRaw("k"), fieldArgs.getRaw("filter"), fieldArgs.getRaw("maxDistance"), fieldArgs.getRaw("minScore"), fieldArgs.getRaw("rerank")],
        async ([ctx, embedding, query, mode, k, filter, maxDistance, minScore, rerank]) => {
          const t = tenantOf(ctx);
          const res = await service.search(t.withTenant, t.userHash, searchArgs(embedding, query, mode, k, filter, maxDistance, minScore, rerank));
          return { ...res, hits: hitsOut(res.hits) };
        },
      );
    },
  };
}
