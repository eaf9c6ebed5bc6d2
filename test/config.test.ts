import { afterEach, describe, expect, it } from "vitest";
import { config, ConfigError } from "../src/config.ts";

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe("config", () => {
  it("defaults EMBEDDING_DIM to 384", () => {
    delete process.env.EMBEDDING_DIM;
    expect(config.embeddingDim()).toBe(384);
  });

  it.each(["abc", "0", "2001", "3.5"])("fails fast on EMBEDDING_DIM=%s, naming the variable", (value) => {
    process.env.EMBEDDING_DIM = value;
    expect(() => config.embeddingDim()).toThrow(ConfigError);
    expect(() => config.embeddingDim()).toThrow(/^EMBEDDING_DIM: /);
  });

  it("rejects a DATABASE_URL that is not a postgres URL without echoing it", () => {
    process.env.DATABASE_URL = "mysql://user:s3cret@host/db";
    expect(() => config.ownerDatabaseUrl()).toThrow(/^DATABASE_URL: must be a postgres:\/\/ connection URL$/);
  });

  it("treats an empty DATABASE_URL as unset (the local cluster)", () => {
    process.env.DATABASE_URL = "  ";
    expect(config.ownerDatabaseUrl()).toBeUndefined();
  });
});
