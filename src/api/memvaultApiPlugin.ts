// The GraphQL schema: explicit fields over the memory service, not generated CRUD (the
// cipher columns and the embedding are never in the schema). Each field runs in the
// request's tenant transactions, which the server puts on the GraphQL context after the
// bearer token was verified.
import { context, flagError, lambda, listen, SafeError, sideEffect, type FieldArgs, type GrafastSubscriber, type Step } from "postgraphile/grafast";
import { extendSchema } from "postgraphile/utils";
import { memvaultTypeDefs } from "./memvaultTypeDefs.ts";
import type { WithTenant } from "../db/withTenant.ts";
import type { Memory, MemoryService, MemoryState, SearchHit } from "./memoryService.ts";
import type { SealedEvents } from "./sealedEvents.ts";
import { parseMeta, type Limits, type MemoryInput } from "./validateMemoryInput.ts";

export interface RequestTenant {
  userHash: string;
  withTenant: WithTenant;
}

declare global {
  namespace Grafast {
    interface Context {
      memvault?: RequestTenant;
    }
  }
}

function tenantOf(ctx: Grafast.Context): RequestTenant {
  // The HTTP layer answers 401 before GraphQL runs; this is the second lock.
  if (!ctx.memvault) throw new Error("unauthenticated request reached GraphQL");
  return ctx.memvault;
}

const memoryOut = (m: Memory) => ({
  id: m.id,
  createdAt: m.createdAt.toISOString(),
  updatedAt: m.updatedAt?.toISOString() ?? null,
  expiresAt: m.expiresAt?.toISOString() ?? null,
  keyVersion: m.keyVersion,
  text: m.text,
  meta: m.meta === null ? null : JSON.stringify(m.meta),
  scope: m.scope,
  tags: m.tags,
  error: m.error,
});

interface RememberArgs {
  id?: string | null;
  text: string;
  meta?: string | null;
  embedding?: number[] | null;
  scope?: string | null;
  tags?: string[] | null;
  expiresAt?: string | null;
}

function toMemoryInput(a: RememberArgs, limits: Limits): MemoryInput {
  // meta is JSON text; "null", "[]" or "3" are not objects and are refused, never stored as {}.
  const meta = a.meta === undefined || a.meta === null ? undefined : parseMeta(a.meta, limits);
  return { ...a, id: a.id ?? undefined, meta };
}

/** An update's patch: meta arrives as JSON text like remember's; absent fields stay as they are. */
function toPatch(raw: Record<string, unknown>, limits: Limits): Record<string, unknown> {
  return typeof raw.meta === "string" ? { ...raw, meta: parseMeta(raw.meta, limits) } : raw;
}

const searchArgs = (embedding: unknown, query: unknown, k: unknown, filter: unknown, maxDistance: unknown, minScore: unknown, rerank: unknown) => ({
  rerank: rerank as boolean | null,
  embedding: embedding as number[] | null,
  ...(query ? { query: query as string } : {}),
  k: k as number,
  filter,
  maxDistance: maxDistance as number | null,
  minScore: minScore as number | null,
});

const memoryStateOut = (m: MemoryState) => {
  const waiting = m.status === "pending" ? m : m.update;
  return {
    id: m.id,
    status: m.status,
    memory: m.status === "sealed" ? memoryOut(m.memory) : null,
    updatePending: m.status === "sealed" && m.update !== null,
    queuedAt: waiting?.queuedAt.toISOString() ?? null,
    attempts: waiting?.attempts ?? 0,
    lastError: waiting?.lastError ?? null,
  };
};

const hitsOut = (hits: SearchHit[]) => hits.map((h) => ({ memory: memoryOut(h.memory), distance: h.distance, score: h.score }));

/** A subscriber whose single topic yields the given async iterable (graphql-ws ends it by return()). */
const subscriberOf = <T>(events: () => AsyncIterableIterator<T>) =>
  ({ subscribe: () => events() }) as unknown as GrafastSubscriber<{ events: T }>;

/** Ids a memorySealed subscriber may have waiting; past it the subscription ends with a code, never silently dropping. */
export const SEALED_QUEUE_MAX = 10_000;
/** Versions a subscriber remembers having delivered, so that a replayed notification delivers nothing twice. */
const DELIVERED_MAX = 10_000;

/**
 * The tenant's chunks as they are sealed: notifications carry ids only, dispatched in
 * memory by tenant; each batch is read in one query under the subscriber's RLS, so
 * another tenant's chunk (a prefix collision) yields nothing.
 */
function sealedMemories(events: SealedEvents, service: MemoryService, t: RequestTenant): AsyncIterableIterator<{ memory: ReturnType<typeof memoryOut> } | { error: unknown }> {
  // An iterator, not an async generator: a generator's return() waits until its body reaches
  // a yield, so a subscriber idle at "wait for the next seal" would never be let go when its
  // client leaves (websocket or event stream closed); here return() ends it at once.
  type Event = { memory: ReturnType<typeof memoryOut> } | { error: unknown };
  const queue: string[] = [];
  const ready: Event[] = [];
  // A memory version is delivered once: a NOTIFY replayed by any role that can connect (or
  // sent twice) finds it delivered already. Insertion-ordered, the oldest forgotten first.
  const delivered = new Set<string>();
  const firstDelivery = (memory: Memory) => {
    const version = `${memory.id}@${(memory.updatedAt ?? memory.createdAt).toISOString()}`;
    if (delivered.has(version)) return false;
    delivered.add(version);
    if (delivered.size > DELIVERED_MAX) delivered.delete(delivered.values().next().value!);
    return true;
  };
  let overflow = false;
  let closed = false;
  let wake: (() => void) | undefined;
  const off = events.subscribe(t.userHash, (ids) => {
    if (queue.length + ids.length > SEALED_QUEUE_MAX) overflow = true;
    else queue.push(...ids);
    wake?.();
  });
  const close = () => {
    if (closed) return;
    closed = true;
    off();
    wake?.();
  };
  const done = { done: true as const, value: undefined };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next(): Promise<IteratorResult<Event>> {
      for (;;) {
        if (closed) return done;
        if (ready.length > 0) return { done: false, value: ready.shift()! };
        if (overflow) {
          close();
          return { done: false, value: { error: new SafeError(`more than ${SEALED_QUEUE_MAX} sealed memories waiting for this subscriber: resubscribe and page with memories()`, { code: "SUBSCRIPTION_OVERFLOW" }) } };
        }
        if (queue.length === 0) {
          await new Promise<void>((resolve) => (wake = resolve));
          continue;
        }
        const batch = queue.splice(0, 100);
        try {
          for (const memory of await service.memoriesById(t.withTenant, t.userHash, batch)) if (firstDelivery(memory)) ready.push({ memory: memoryOut(memory) });
        } catch (error) {
          close(); // shed (OVERLOADED) or failed: the subscriber hears why, then the stream ends
          return { done: false, value: { error } };
        }
      }
    },
    async return() {
      close();
      return done;
    },
  };
}

/**
 * A subscription event, or the error that ended the stream as a field error with its code
 * (masked like any other): a stream that fails mid-way (OVERLOADED, a bad argument) tells
 * its client why instead of just stopping, on websockets and event streams alike.
 */
function errorEvent($event: Step) {
  return lambda($event, (e: { error?: unknown }) => (e && typeof e === "object" && "error" in e ? flagError(e.error as Error) : e));
}

export function createMemvaultApiPlugin(service: MemoryService, events: SealedEvents, limits: Limits): GraphileConfig.Plugin {
  return extendSchema(() => ({
    typeDefs: memvaultTypeDefs,
    plans: {
      Memory: {
        // A memory that failed to open is an error on that field (with the seal's code), and
        // null: never another row's data.
        text($memory: Step) {
          return lambda($memory, (m: ReturnType<typeof memoryOut>) => (m.error ? flagError(new SafeError("memory could not be opened", { code: m.error })) : m.text));
        },
        meta($memory: Step) {
          return lambda($memory, (m: ReturnType<typeof memoryOut>) => (m.error ? flagError(new SafeError("memory could not be opened", { code: m.error })) : m.meta));
        },
      },
      Query: {
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
        count(_$root: Step, fieldArgs: FieldArgs) {
          return lambda([context(), fieldArgs.getRaw("filter")], async ([ctx, filter]) => {
            const t = tenantOf(ctx);
            return t.withTenant((tx) => service.count(tx, t.userHash, filter));
          });
        },
        search(_$root: Step, fieldArgs: FieldArgs) {
          return lambda(
            [context(), fieldArgs.getRaw("embedding"), fieldArgs.getRaw("query"), fieldArgs.getRaw("k"), fieldArgs.getRaw("filter"), fieldArgs.getRaw("maxDistance"), fieldArgs.getRaw("minScore"), fieldArgs.getRaw("rerank")],
            async ([ctx, embedding, query, k, filter, maxDistance, minScore, rerank]) => {
              const t = tenantOf(ctx);
              const res = await service.search(t.withTenant, t.userHash, searchArgs(embedding, query, k, filter, maxDistance, minScore, rerank));
              return { ...res, hits: hitsOut(res.hits) };
            },
          );
        },
      },
      Subscription: {
        searchProgress: {
          subscribePlan(_$root: Step, fieldArgs: FieldArgs) {
            const $subscriber = lambda(
              [context(), fieldArgs.getRaw("embedding"), fieldArgs.getRaw("query"), fieldArgs.getRaw("k"), fieldArgs.getRaw("filter"), fieldArgs.getRaw("maxDistance"), fieldArgs.getRaw("minScore"), fieldArgs.getRaw("rerank")],
              ([ctx, embedding, query, k, filter, maxDistance, minScore, rerank]) => {
                const t = tenantOf(ctx);
                return subscriberOf(async function* () {
                  try {
                    for await (const stage of service.searchStages(t.withTenant, t.userHash, searchArgs(embedding, query, k, filter, maxDistance, minScore, rerank))) {
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
      },
      Mutation: {
        remember(_$root: Step, fieldArgs: FieldArgs) {
          return sideEffect([context(), fieldArgs.getRaw("input")], async ([ctx, input]) => {
            const t = tenantOf(ctx);
            const [out] = await service.rememberMany(t.withTenant, t.userHash, [toMemoryInput(input as RememberArgs, limits)]);
            return out;
          });
        },
        rememberMany(_$root: Step, fieldArgs: FieldArgs) {
          return sideEffect([context(), fieldArgs.getRaw("inputs")], async ([ctx, inputs]) => {
            const t = tenantOf(ctx);
            return service.rememberMany(t.withTenant, t.userHash, (inputs as RememberArgs[]).map((i) => toMemoryInput(i, limits)));
          });
        },
        upsert(_$root: Step, fieldArgs: FieldArgs) {
          return sideEffect([context(), fieldArgs.getRaw("input")], async ([ctx, input]) => {
            const t = tenantOf(ctx);
            return service.upsert(t.withTenant, t.userHash, toMemoryInput(input as RememberArgs, limits));
          });
        },
        update(_$root: Step, fieldArgs: FieldArgs) {
          return sideEffect([context(), fieldArgs.getRaw("id"), fieldArgs.getRaw("patch")], async ([ctx, id, patch]) => {
            const t = tenantOf(ctx);
            return service.update(t.withTenant, t.userHash, id as string, toPatch(patch as Record<string, unknown>, limits));
          });
        },
        forgetMatching(_$root: Step, fieldArgs: FieldArgs) {
          return sideEffect([context(), fieldArgs.getRaw("filter")], async ([ctx, filter]) => {
            const t = tenantOf(ctx);
            return t.withTenant((tx) => service.forgetMatching(tx, t.userHash, filter));
          });
        },
        forget(_$root: Step, fieldArgs: FieldArgs) {
          return sideEffect([context(), fieldArgs.getRaw("id")], async ([ctx, id]) => {
            const t = tenantOf(ctx);
            return t.withTenant((tx) => service.forget(tx, t.userHash, id as string));
          });
        },
        forgetAll() {
          return sideEffect([context()], async ([ctx]) => {
            const t = tenantOf(ctx);
            return t.withTenant((tx) => service.forgetAll(tx, t.userHash));
          });
        },
      },
    },
  }));
}
