// How the API verifies tokens: a shared secret (HS256) or a JSON Web Key Set (RS256 /
// ES256), exactly one; the audience is required outside development.
import path from "node:path";
import { ConfigError } from "./configError.ts";
import { readProcessConfig } from "./processConfig.ts";
import { httpUrl, int, readSettings, text, type Env } from "./settings.ts";

export type VerificationConfig = (
  | { kind: "secret"; secret: Uint8Array }
  | { kind: "jwks-url"; url: string }
  | { kind: "jwks-file"; file: string }
) & { issuer?: string; audience?: string; maxLifetimeSeconds?: number };

export const API_TOKEN_SETTINGS = {
  JWT_SECRET: text("HS256 secret, at least 32 bytes. Set exactly one of JWT_SECRET, JWT_JWKS_URL, JWT_JWKS_FILE.", undefined, (v) => (Buffer.byteLength(v) >= 32 ? undefined : "must be at least 32 bytes")),
  JWT_JWKS_URL: httpUrl("An identity provider's JSON Web Key Set (RS256 / ES256)."),
  JWT_JWKS_FILE: text("A JSON Web Key Set in a file.", undefined),
  JWT_ISSUER: text("Checked against each token's iss when set.", undefined),
  JWT_AUDIENCE: text("The aud a token must name; required outside development, so a token minted for another service is refused.", undefined),
  JWT_MAX_LIFETIME_SECONDS: int("Tokens expiring further ahead are refused.", 86_400, 60, 30 * 86_400),
};

/** Whether any token setting is present (npm start makes a development secret only when none is). */
export const tokenVerificationConfigured = (env: Env = process.env) => {
  const c = readSettings(API_TOKEN_SETTINGS, env);
  return [c.JWT_SECRET, c.JWT_JWKS_URL, c.JWT_JWKS_FILE].some((v) => v !== undefined);
};

export function readTokenVerification(env: Env = process.env): VerificationConfig {
  const c = readSettings(API_TOKEN_SETTINGS, env);
  const set = [c.JWT_SECRET, c.JWT_JWKS_URL, c.JWT_JWKS_FILE].filter((v) => v !== undefined).length;
  if (set !== 1) throw new ConfigError("JWT_SECRET", "set exactly one of JWT_SECRET, JWT_JWKS_URL, JWT_JWKS_FILE");
  if (c.JWT_AUDIENCE === undefined && !readProcessConfig(env).isDevelopment) {
    throw new ConfigError("JWT_AUDIENCE", "is required outside development (GRAPHILE_ENV=development or test)");
  }
  const claims = {
    ...(c.JWT_ISSUER ? { issuer: c.JWT_ISSUER } : {}),
    ...(c.JWT_AUDIENCE ? { audience: c.JWT_AUDIENCE } : {}),
    maxLifetimeSeconds: c.JWT_MAX_LIFETIME_SECONDS,
  };
  if (c.JWT_SECRET !== undefined) return { kind: "secret", secret: new TextEncoder().encode(c.JWT_SECRET), ...claims };
  if (c.JWT_JWKS_URL !== undefined) return { kind: "jwks-url", url: c.JWT_JWKS_URL, ...claims };
  return { kind: "jwks-file", file: path.resolve(c.JWT_JWKS_FILE!), ...claims };
}
