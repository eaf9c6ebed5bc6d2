import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
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

  it("outside development a token must name an audience: no JWT_AUDIENCE, no start; in development it may be left out", () => {
    for (const v of ["JWT_JWKS_URL", "JWT_JWKS_FILE", "JWT_AUDIENCE"]) delete process.env[v];
    process.env.JWT_SECRET = "x".repeat(40);
    process.env.GRAPHILE_ENV = "production";
    expect(() => config.jwtVerification()).toThrow(/^JWT_AUDIENCE: is required outside development/);
    process.env.JWT_AUDIENCE = "memvault-api";
    expect(config.jwtVerification()).toMatchObject({ kind: "secret", audience: "memvault-api" });
    delete process.env.JWT_AUDIENCE;
    process.env.GRAPHILE_ENV = "development";
    expect(config.jwtVerification()).not.toHaveProperty("audience");
  });

  it("JWT_JWKS_URL must be an http(s) URL, and only one way of verifying may be set", () => {
    for (const v of ["JWT_SECRET", "JWT_JWKS_FILE"]) delete process.env[v];
    process.env.JWT_AUDIENCE = "memvault-api";
    process.env.JWT_JWKS_URL = "file:///etc/jwks.json";
    expect(() => config.jwtVerification()).toThrow(/^JWT_JWKS_URL: must be an http\(s\) URL$/);
    process.env.JWT_JWKS_URL = "https://idp.example/.well-known/jwks.json";
    expect(config.jwtVerification()).toMatchObject({ kind: "jwks-url", url: "https://idp.example/.well-known/jwks.json", audience: "memvault-api" });
    process.env.JWT_SECRET = "x".repeat(40);
    expect(() => config.jwtVerification()).toThrow(/^JWT_SECRET: set exactly one/);
  });

  it("treats an empty DATABASE_URL as unset (the local cluster)", () => {
    process.env.DATABASE_URL = "  ";
    expect(config.ownerDatabaseUrl()).toBeUndefined();
  });

  it("MEMVAULT_PG_BIN wins, then MEMVAULT_PG_MAJOR, then the newest server installed", () => {
    process.env.MEMVAULT_PG_BIN = "/opt/pg/bin";
    process.env.MEMVAULT_PG_MAJOR = "16";
    expect(config.pgBin()).toBe("/opt/pg/bin");
    delete process.env.MEMVAULT_PG_BIN;
    expect(config.pgBin()).toBe("/usr/lib/postgresql/16/bin");
    process.env.MEMVAULT_PG_MAJOR = "9";
    expect(() => config.pgBin()).toThrow(/^MEMVAULT_PG_MAJOR: /);
  });

  it("picks the same PostgreSQL as the provisioning script (scripts/pg-major.sh)", () => {
    delete process.env.MEMVAULT_PG_BIN;
    delete process.env.MEMVAULT_PG_MAJOR;
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
    const script = `. ${JSON.stringify(path.resolve("scripts/pg-major.sh"))} && pg_choose_major && echo "$PG_BIN"`;
    const res = spawnSync("bash", ["-c", script], { env, encoding: "utf8" });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout.trim()).toBe(config.pgBin());
    expect(fs.existsSync(path.join(config.pgBin(), "postgres"))).toBe(true);
  });
});
