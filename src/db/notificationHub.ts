// One LISTEN connection per process (pg-listen, reconnecting), its notifications dispatched
// in memory to whoever registered for a channel. Payloads are ids only; listeners re-read
// what they need under the tenant's RLS.
import type pg from "pg";
import pgListen from "pg-listen";
import type * as PgListen from "pg-listen";

// pg-listen is CommonJS with `exports.default`: under ESM the function sits one level down.
type CreateSubscriber = (
  config: pg.ClientConfig,
  options?: { parse?: (s: string) => unknown; serialize?: (v: unknown) => string },
) => PgListen.Subscriber;
const createSubscriber = (pgListen as unknown as { default: CreateSubscriber }).default;

export interface NotificationHub {
  /** Calls fn with each payload on channel until the returned function is called. */
  on(channel: string, fn: (payload: string) => void): () => void;
  close(): Promise<void>;
}

export async function createNotificationHub(connectionString: string, channels: string[]): Promise<NotificationHub> {
  const subscriber = createSubscriber({ connectionString }, { parse: (s: string) => s, serialize: (s: unknown) => String(s) });
  const listeners = new Map<string, Set<(payload: string) => void>>(channels.map((c) => [c, new Set()]));
  for (const channel of channels) {
    subscriber.notifications.on(channel, (payload: string) => {
      for (const fn of listeners.get(channel) ?? []) fn(payload);
    });
  }
  // Reconnection is pg-listen's; a consumer that misses a NOTIFY still ends at its own deadline.
  subscriber.events.on("error", () => {});
  await subscriber.connect();
  for (const channel of channels) await subscriber.listenTo(channel);
  return {
    on(channel, fn) {
      const set = listeners.get(channel);
      if (!set) throw new Error(`the notification hub does not listen to ${channel}`);
      set.add(fn);
      return () => void set.delete(fn);
    },
    close: () => subscriber.close(),
  };
}
