// Subscription's fields: a search's stages as they come, and the tenant's memories as they are sealed.
import { context, lambda, listen, type FieldArgs, type Step } from "postgraphile/grafast";
import { hitsOut, searchArgs } from "./graphqlValues.ts";
import { errorEvent, sealedMemories, subscriberOf } from "./memorySealedStream.ts";
import type { MemoryService } from "./memoryService.ts";
import { tenantOf } from "./requestTenant.ts";
import type { SealedEvents } from "./sealedEvents.ts";

export function subscriptionPlans(service: MemoryService, events: SealedEvents) {
  return {
    searchProgress: {
      subscribePlan(_$root: Step, fieldArgs: FieldArgs) {
        const $subscriber = lambda(
          [context(), fieldArgs.getRaw("embedding"), fieldArgs.getRaw("query"), fieldArgs.getRaw("mode"), fieldArgs.getRaw("k"), fieldArgs.getRaw("filter"), fieldArgs.getRaw("maxDistance"), fieldArgs.getRaw("minScore"), fieldArgs.getRaw("rerank")],
          ([ctx, embedding, query, mode, k, filter, maxDistance, minScore, rerank]) => {
            const t = tenantOf(ctx);
            return subscriberOf(async function* () {
              try {
                for await (const stage of service.searchStages(t.withTenant, t.userHash, searchArgs(embedding, query, mode, k, filter, maxDistance, minScore, rerank))) {
                  yield { ...stage, hits: hitsOut(stage.hits) };
                }
              } catch (error) {
                yield { error }; // a coded error event, then the end (see errorEvent)
              }
            });
          },
        );
        return listen($subscriber, "events");
      },
      plan: errorEvent,
    },
    memorySealed: {
      subscribePlan() {
        const $subscriber = lambda([context()], ([ctx]) => {
          const t = tenantOf(ctx);
          return subscriberOf(() => sealedMemories(events, service, t));
        });
        return listen($subscriber, "events");
      },
      plan: errorEvent,
    },
  };
}
