import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readTokenVerification } from "../../src/config/apiTokenConfig.ts";
import { pgBinDir, readDbConfig } from "../../src/config/dbConfig.ts";
import { ConfigError } from "../../src/config/configError.ts";
import { checkConfig } from "../../src/config/checkConfig.ts";
import { readApiConfig } from "../../src/config/apiConfig.ts";

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe("configuration", () => {
  it("reports every problem of a subsystem at once, each naming its variable and never its value", () => {
    const env = { API_PORT: "eighty", GRAPHQL_MAX_DEPTH: "0", CORS_ALLOWED_ORIGINS: "https://ok.example,https://x.example/path", API_HOST: "0.0.0.0" };
    const err = (() => {
      try {
        readApiConfig(env);
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.problems.map((p) => p.variable)).toEqual(["API_PORT", "CORS_ALLOWED_ORIGINS", "GRAPHQL_MAX_DEPTH"]);
    expect(err!.message).toMatch(/^API_PORT: must be a whole number/m);
  });

  it("checkConfig lists the problems of every subsystem a process reads, before it starts anything", () => {
    const env = { DATABASE_URL: "mysql://u:s3cret@h/d", WORKER_CONCURRENCY: "many", RERANK_DEVICE: "tpu", EMBEDDER_URL: "ftp://x" };
    expect(() => checkConfig(["process", "db", "api", "worker", "rerank", "embed"], env)).toThrow(
      new ConfigError("DATABASE_URL", "must be a postgres:// connection URL", [
        { variable: "WORKER_CONCURRENCY", problem: "must be a whole number, got 'many'" },
        { variable: "RERANK_DEVICE", problem: "must be one of cpu, cuda" },
        { variable: "EMBEDDER_URL", problem: "must be an http(s) URL" },
      ]),
    );
    expect(() => checkConfig(["process", "db", "api", "worker", "rerank", "embed"], {})).not.toThrow();
  });

  it("defaults EMBEDDING_DIM to 384", () => {
    delete process.env.EMBEDDING_DIM;
    expect(readDbConfig().EMBEDDING_DIM).toBe(384);
  });

  it.each(["abc", "0", "2001", "3.5"])("fails fast on EMBEDDING_DIM=%s, naming the variable", (value) => {
    process.env.EMBEDDING_DIM = value;
    expect(() => readDbConfig().EMBEDDING_DIM).toThrow(ConfigError);
    expect(() => readDbConfig().EMBEDDING_DIM).toThrow(/^EMBEDDING_DIM: /);
  });

  it("rejects a DATABASE_URL that is not a postgres URL without echoing it", () => {
    process.env.DATABASE_URL = "mysql://user:s3cret@host/db";
    expect(() => readDbConfig().DATABASE_URL).toThrow(/^DATABASE_URL: must be a postgres:\/\/ connection URL$/);
  });

  it("outside development a token must name an audience: no JWT_AUDIENCE, no start; in development it may be left out", () => {
    for (const v of ["JWT_JWKS_URL", "JWT_JWKS_FILE", "JWT_AUDIENCE"]) delete process.env[v];
    process.env.JWT_SECRET = "x".repeat(40);
    process.env.GRAPHILE_ENV = "production";
    expect(() => readTokenVerification()).toThrow(/^JWT_AUDIENCE: is required outside development/);
    process.env.JWT_AUDIENCE = "memvault-api";
    expect(readTokenVerification()).toMatchObject({ kind: "secret", audience: "memvault-api" });
    delete process.env.JWT_AUDIENCE;
    process.env.GRAPHILE_ENV = "development";
    expect(readTokenVerification()).not.toHaveProperty("audience");
  });

  it("JWT_JWKS_URL must be an http(s) URL, and only one way of verifying may be set", () => {
    for (const v of ["JWT_SECRET", "JWT_JWKS_FILE"]) delete process.env[v];
    process.env.JWT_AUDIENCE = "memvault-api";
    process.env.JWT_JWKS_URL = "file:///etc/jwks.json";
    expect(() => readTokenVerification()).toThrow(/^JWT_JWKS_URL: must be an http\(s\) URL$/);
    process.env.JWT_JWKS_URL = "https://idp.example/.well-known/jwks.json";
    expect(readTokenVerification()).toMatchObject({ kind: "jwks-url", url: "https://idp.example/.well-known/jwks.json", audience: "memvault-api" });
    process.env.JWT_SECRET = "x".repeat(40);
    expect(() => readTokenVerification()).toThrow(/^JWT_SECRET: set exactly one/);
  });

  it("treats an empty DATABASE_URL as unset (the local cluster)", () => {
    process.env.DATABASE_URL = "  ";
    expect(readDbConfig().DATABASE_URL).toBeUndefined();
  });

  it("MEMVAULT_PG_BIN wins, then MEMVAULT_PG_MAJOR, then the newest server installed", () => {
    process.env.MEMVAULT_PG_BIN = "/opt/pg/bin";
    process.env.MEMVAULT_PG_MAJOR = "16";
    expect(pgBinDir()).toBe("/opt/pg/bin");
    delete process.env.MEMVAULT_PG_BIN;
    expect(pgBinDir()).toBe("/usr/lib/postgresql/16/bin");
    process.env.MEMVAULT_PG_MAJOR = "9";
    expect(() => pgBinDir()).toThrow(/^MEMVAULT_PG_MAJOR: /);
  });

  it("picks the same PostgreSQL as the provisioning script (scripts/pg-major.sh)", () => {
    delete process.env.MEMVAULT_PG_BIN;
    delete process.env.MEMVAULT_PG_MAJOR;
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
    const script = `. ${JSON.stringify(path.resolve("scripts/pg-major.sh"))} && pg_choose_major && echo "$PG_BIN"`;
    const res = spawnSync("bash", ["-c", script], { env, encoding: "utf8" });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout.trim()).toBe(pgBinDir());
    expect(fs.existsSync(path.join(pgBinDir(), "postgres"))).toBe(true);
  });
});
