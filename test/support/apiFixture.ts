// A real API server on loopback over a test database, and the clients a user would point
// at it: fetch for GraphQL over HTTP (POST and GET), graphql-ws for subscriptions, raw
// websockets for what a well-behaved client would never send.
import { randomBytes } from "node:crypto";
import { createClient } from "graphql-ws";
import { SignJWT } from "jose";
import { afterAll, beforeAll } from "vitest";
import { startApiServer, type ApiServerOptions, type RunningApi } from "../../src/api/apiServer.ts";
import { createTokenVerifier } from "../../src/api/verifyToken.ts";
import { readApiConfig } from "../../src/config/apiConfig.ts";
import { parseKeyring } from "../../src/crypto/keyring.ts";
import { logger } from "../../src/logger.ts";
import { track, untrack } from "./openResources.ts";
import type { KeyringDatabase } from "./keyringDatabase.ts";

export const DIMS = 384;
export const vec = (seed: number) => Array.from({ length: DIMS }, (_, i) => Math.cos(seed * 7 + i * 0.3));

export type GqlBody = { data?: any; errors?: { message: string; path?: string[]; extensions?: { code?: string } }[] };

export interface ApiFixture {
  api: RunningApi;
  secret: Uint8Array;
  token(sub: string, claims?: Record<string, unknown>): Promise<string>;
  gql(auth: string | undefined, query: string, variables?: Record<string, unknown>): Promise<{ status: number; body: GqlBody }>;
  /** GET /graphql?query=…, as urql and other GraphQL-over-HTTP clients send queries. */
  gqlGet(auth: string | undefined, query: string, variables?: Record<string, unknown>): Promise<{ status: number; body: GqlBody }>;
  post(auth: string | undefined, body: string): Promise<{ status: number; text: string }>;
  wsUrl(): string;
  /** Collects `count` payloads of one subscription, or its error. */
  collect(auth: string | undefined, query: string, variables: Record<string, unknown>, count: number, timeoutMs?: number): Promise<{ payloads: any[]; errors?: unknown }>;
}

export function useApiFixture(fx: KeyringDatabase, overrides: Partial<ApiServerOptions> = {}): ApiFixture {
  const secret = new TextEncoder().encode(randomBytes(32).toString("hex"));
  const f = { secret } as ApiFixture;
  beforeAll(async () => {
    const keyring = parseKeyring("test", JSON.stringify(fx.doc));
    f.api = await startApiServer({
      port: 0,
      host: "127.0.0.1",
      authenticatorUrl: fx.db.url("authenticator"),
      verifier: createTokenVerifier({ kind: "secret", secret, audience: "memvault" }),
      keyrings: { current: () => keyring },
      limits: { dims: DIMS, maxTextBytes: 65_536, maxMetaBytes: 16_384 },
      rerankBudgetMs: 3_000,
      graphiql: false,
      operationLimits: readApiConfig().operationLimits(false),
      maxBodyBytes: readApiConfig().API_MAX_BODY_BYTES,
      websocket: readApiConfig().websocketLimits,
      metrics: { port: 0, host: "127.0.0.1" },
      logger,
      ...overrides,
    });
  });
  afterAll(async () => {
    await f.api?.stop();
  });
  f.token = (sub, claims = {}) =>
    new SignJWT({ sub, aud: "memvault", exp: Math.floor(Date.now() / 1000) + 300, ...claims }).setProtectedHeader({ alg: "HS256" }).sign(secret);
  f.gql = async (auth, query, variables = {}) => {
    const res = await fetch(`${f.api.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(auth ? { authorization: auth } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, body: (await res.json()) as GqlBody };
  };
  f.gqlGet = async (auth, query, variables) => {
    const params = new URLSearchParams({ query, ...(variables ? { variables: JSON.stringify(variables) } : {}) });
    const res = await fetch(`${f.api.url}/graphql?${params}`, {
      headers: { accept: "application/graphql-response+json, application/json", ...(auth ? { authorization: auth } : {}) },
    });
    return { status: res.status, body: (await res.json()) as GqlBody };
  };
  f.post = async (auth, body) => {
    const res = await fetch(`${f.api.url}/graphql`, { method: "POST", headers: { "content-type": "application/json", ...(auth ? { authorization: auth } : {}) }, body });
    return { status: res.status, text: await res.text() };
  };
  f.wsUrl = () => `${f.api.url.replace("http", "ws")}/graphql`;
  f.collect = async (auth, query, variables, count, timeoutMs = 10_000) => {
    const client = createClient({ url: f.wsUrl(), webSocketImpl: WebSocket, connectionParams: auth ? { authorization: auth } : {}, retryAttempts: 0, lazy: true });
    const resource = track({ label: "graphql-ws client", close: async () => void (await client.dispose()) });
    const payloads: any[] = [];
    try {
      return await new Promise<{ payloads: any[]; errors?: unknown }>((resolve) => {
        const timer = setTimeout(() => resolve({ payloads, errors: "timeout" }), timeoutMs);
        const unsubscribe = client.subscribe(
          { query, variables },
          {
            next: (p) => {
              if (p.errors) {
                clearTimeout(timer);
                resolve({ payloads, errors: p.errors });
                return;
              }
              payloads.push(p.data);
              if (payloads.length >= count) {
                clearTimeout(timer);
                unsubscribe();
                resolve({ payloads });
              }
            },
            error: (e) => {
              clearTimeout(timer);
              resolve({ payloads, errors: e });
            },
            complete: () => {
              clearTimeout(timer);
              resolve({ payloads });
            },
          },
        );
      });
    } finally {
      await client.dispose();
      untrack(resource);
    }
  };
  return f;
}
