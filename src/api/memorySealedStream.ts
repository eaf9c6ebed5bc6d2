// memorySealed and searchProgress as event streams: the tenant's memories as they are
// sealed (a bounded queue, each version delivered once), and stream errors as coded events.
import { flagError, lambda, SafeError, type GrafastSubscriber, type Step } from "postgraphile/grafast";
import { memoryOut } from "./graphqlValues.ts";
import type { Memory, MemoryService } from "./memoryService.ts";
import type { RequestTenant } from "./requestTenant.ts";
import type { SealedEvents } from "./sealedEvents.ts";

/** A subscriber whose single topic yields the given async iterable (graphql-ws ends it by return()). */
export const subscriberOf = <T>(events: () => AsyncIterableIterator<T>) =>
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
export function sealedMemories(events: SealedEvents, service: MemoryService, t: RequestTenant): AsyncIterableIterator<{ memory: ReturnType<typeof memoryOut> } | { error: unknown }> {
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
export function errorEvent($event: Step) {
  return lambda($event, (e: { error?: unknown }) => (e && typeof e === "object" && "error" in e ? flagError(e.error as Error) : e));
}
