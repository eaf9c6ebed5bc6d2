// The GraphQL schema: explicit fields over the memory service, not generated CRUD (the
// cipher columns and the embedding are never in the schema). Each field runs in the
// request's tenant transactions, which the server puts on the GraphQL context after the
// bearer token was verified.
import { context, lambda, sideEffect, type FieldArgs, type Step } from "postgraphile/grafast";
import { extendSchema, gql } from "postgraphile/utils";
import type { InTenant } from "../rerank/searchWaiter.ts";
import type { Memory, MemoryService } from "./memoryService.ts";
import type { MemoryInput } from "./validateMemoryInput.ts";

export interface RequestTenant {
  userHash: string;
  inTenant: InTenant;
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
  keyVersion: m.keyVersion,
  text: m.text,
  meta: m.meta === null ? null : JSON.stringify(m.meta),
  error: m.error,
});

interface RememberArgs {
  id?: string | null;
  text: string;
  meta?: string | null;
  embedding: number[];
}

function toMemoryInput(a: RememberArgs): MemoryInput {
  let meta: Record<string, unknown> | undefined;
  if (a.meta !== undefined && a.meta !== null) {
    try {
      meta = JSON.parse(a.meta) as Record<string, unknown>;
    } catch {
      meta = [] as unknown as Record<string, unknown>; // rejected as META_NOT_OBJECT
    }
  }
  return { ...(a.id ? { id: a.id } : {}), text: a.text, ...(meta !== undefined ? { meta } : {}), embedding: a.embedding };
}

export function createMemvaultApiPlugin(service: MemoryService): GraphileConfig.Plugin {
  return extendSchema(() => ({
    typeDefs: gql`
      """A memory: sealed at rest, opened for its owner. text and meta are null, and error set, if it failed to open."""
      type Memory {
        id: String!
        createdAt: String!
        keyVersion: Int!
        text: String
        """JSON object, as text"""
        meta: String
        error: String
      }
      type MemoryPage {
        nodes: [Memory!]!
        endCursor: String
        hasNextPage: Boolean!
      }
      type SearchHit {
        chunk: Memory!
        distance: Float!
        score: Float
      }
      type SearchResult {
        hits: [SearchHit!]!
        reranked: Boolean!
        rerankSkipReason: String
      }
      input RememberInput {
        id: String
        text: String!
        """JSON object, as text"""
        meta: String
        embedding: [Float!]!
      }
      type RememberPayload {
        id: String!
        status: String!
      }
      type ForgetAllPayload {
        chunks: Int!
        pending: Int!
        searches: Int!
      }
      extend type Query {
        memories(first: Int = 20, after: String): MemoryPage!
        search(embedding: [Float!]!, query: String, k: Int = 8): SearchResult!
      }
      extend type Mutation {
        remember(input: RememberInput!): RememberPayload!
        rememberMany(inputs: [RememberInput!]!): [RememberPayload!]!
        forget(id: String!): Int!
        forgetAll: ForgetAllPayload!
      }
    `,
    plans: {
      Query: {
        memories(_$root: Step, fieldArgs: FieldArgs) {
          return lambda([context(), fieldArgs.getRaw("first"), fieldArgs.getRaw("after")], async ([ctx, first, after]) => {
            const t = tenantOf(ctx);
            const page = await t.inTenant((tx) => service.memories(tx, t.userHash, { first: first as number, ...(after ? { after: after as string } : {}) }));
            return { ...page, nodes: page.nodes.map(memoryOut) };
          });
        },
        search(_$root: Step, fieldArgs: FieldArgs) {
          return lambda(
            [context(), fieldArgs.getRaw("embedding"), fieldArgs.getRaw("query"), fieldArgs.getRaw("k")],
            async ([ctx, embedding, query, k]) => {
              const t = tenantOf(ctx);
              const res = await service.search(t.inTenant, t.userHash, {
                embedding: embedding as number[],
                ...(query ? { query: query as string } : {}),
                k: k as number,
              });
              return { ...res, hits: res.hits.map((h) => ({ chunk: memoryOut(h.memory), distance: h.distance, score: h.score })) };
            },
          );
        },
      },
      Mutation: {
        remember(_$root: Step, fieldArgs: FieldArgs) {
          return sideEffect([context(), fieldArgs.getRaw("input")], async ([ctx, input]) => {
            const t = tenantOf(ctx);
            const [out] = await t.inTenant((tx) => service.rememberMany(tx, [toMemoryInput(input as RememberArgs)]));
            return out;
          });
        },
        rememberMany(_$root: Step, fieldArgs: FieldArgs) {
          return sideEffect([context(), fieldArgs.getRaw("inputs")], async ([ctx, inputs]) => {
            const t = tenantOf(ctx);
            return t.inTenant((tx) => service.rememberMany(tx, (inputs as RememberArgs[]).map(toMemoryInput)));
          });
        },
        forget(_$root: Step, fieldArgs: FieldArgs) {
          return sideEffect([context(), fieldArgs.getRaw("id")], async ([ctx, id]) => {
            const t = tenantOf(ctx);
            return t.inTenant((tx) => service.forget(tx, id as string));
          });
        },
        forgetAll() {
          return sideEffect([context()], async ([ctx]) => {
            const t = tenantOf(ctx);
            return t.inTenant((tx) => service.forgetAll(tx));
          });
        },
      },
    },
  }));
}
