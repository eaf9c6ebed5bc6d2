// The public GraphQL schema is reviewed like code and published: docs/schema.graphql is the
// printed schema, and any change shows up there (vitest -u rewrites it).
import { printSchema, type GraphQLSchema } from "postgraphile/graphql";
import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { describe, expect, it } from "vitest";
import { ROOT_FIELD_COSTS } from "../../src/api/operationCost.ts";
import { createMemoryService } from "../../src/api/memoryService.ts";
import { createMemvaultApiPlugin } from "../../src/api/memvaultApiPlugin.ts";
import { memvaultSchemaPreset } from "../../src/api/memvaultPreset.ts";
import { useKeyringDatabase } from "../support/keyringDatabase.ts";
import { keywordSettings } from "../../src/api/searchLegs.ts";

const fx = useKeyringDatabase();

/** The schema as the server builds it, from a service that is never called. */
async function withSchema(fn: (schema: GraphQLSchema) => void): Promise<void> {
  const unused = () => {
    throw new Error("unused");
  };
  const service = createMemoryService({ sealer: unused, ensureKeys: async () => unused(), erase: async () => unused(), limits: { dims: 384, maxTextBytes: 1, maxMetaBytes: 1 }, rerankBudgetMs: 1, rerankCandidates: 1, labelKey: unused, keyword: keywordSettings(unused), canEmbedQuery: () => false, lexicalEmbedder: () => false, embedQuery: async () => unused() });
  // Our own pool, as the API server passes one: it is ended before the file's database is
  // dropped, and a connection the drop still ends is not printed as an error.
  const pool = fx.db.pool("authenticator");
  const pgl = postgraphile({
    extends: [memvaultSchemaPreset(createMemvaultApiPlugin(service, { subscribe: () => () => {}, count: () => 0, close: () => {} }))],
    pgServices: [makePgService({ pool, schemas: [] })],
  });
  try {
    fn(await pgl.getSchema());
  } finally {
    await pgl.release();
    await pool.end();
  }
}

describe("GraphQL schema", () => {
  it("matches the published docs/schema.graphql, and exposes no cipher column or embedding", async () => {
    let sdl = "";
    await withSchema((schema) => void (sdl = printSchema(schema)));
    expect(sdl).not.toMatch(/cipher|userHash|user_hash|keyring/i);
    // The embedding is input only: no output type carries it.
    const memoryType = /type Memory \{[^}]*\}/.exec(sdl)?.[0] ?? "";
    expect(memoryType).toContain("text: String");
    expect(memoryType).not.toContain("embedding");
    await expect(sdl).toMatchFileSnapshot("../../docs/schema.graphql");
  });

  it("has exactly the root fields checkOperation prices (operationCost.ts, the one list of them)", async () => {
    await withSchema((schema) => {
      const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((t) => (t ? Object.keys(t.getFields()) : []));
      expect(roots.sort()).toEqual(Object.keys(ROOT_FIELD_COSTS).sort());
    });
  });
});
