// The GraphQL schema: explicit fields over the memory service, not generated CRUD (the
// cipher columns and the embedding are never in the schema). Each field runs in the
// request's tenant transactions, which the server puts on the GraphQL context after the
// bearer token was verified (requestTenant.ts).
import { extendSchema } from "postgraphile/utils";
import type { MemoryService } from "./memoryService.ts";
import { mutationPlans } from "./mutationPlans.ts";
import { memvaultTypeDefs } from "./memvaultTypeDefs.ts";
import { memoryPlans, queryPlans } from "./queryPlans.ts";
import type { SealedEvents } from "./sealedEvents.ts";
import { subscriptionPlans } from "./subscriptionPlans.ts";


export function createMemvaultApiPlugin(service: MemoryService, events: SealedEvents): GraphileConfig.Plugin {
  return extendSchema(() => ({
    typeDefs: memvaultTypeDefs,
    plans: {
      Memory: memoryPlans,
      Query: queryPlans(service),
      Subscription: subscriptionPlans(service, events),
      Mutation: mutationPlans(service),
    },
  }));
}
