// Bearer token verification (PostGraphile 5 verifies nothing itself). HS256 with a shared
// secret, or RS256/ES256 against a JWKS; exp and nbf with a small leeway; issuer and
// audience when configured. "none" and any algorithm outside the configured family are
// refused, which also closes the RS256 -> HS256 key-confusion trick.
import fs from "node:fs";
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from "jose";
import { CodedError } from "../codedError.ts";
import type { VerificationConfig } from "../config/apiTokenConfig.ts";

export type AuthErrorCode = "AUTH_MISSING" | "AUTH_INVALID" | "AUTH_EXPIRED";

export class AuthError extends CodedError<AuthErrorCode> {
  override readonly name = "AuthError";
}

export const CLOCK_TOLERANCE_SECONDS = 5;
/** Tokens already verified, by their exact text: a client's next request with the same token skips the signature check. */
export const VERIFIED_CACHE_MAX = 10_000;
/** A verified token is trusted from the cache this long at most (a JWKS key withdrawn is honoured within it). */
export const VERIFIED_CACHE_SECONDS = 60;
export const DEFAULT_MAX_LIFETIME_SECONDS = 86_400;

export interface TokenVerifier {
  /** The token's subject and expiry (seconds since the epoch); throws AuthError (never with the token in the message). */
  verify(authorization: string | undefined): Promise<{ sub: string; exp: number }>;
}

export function createTokenVerifier(cfg: VerificationConfig): TokenVerifier {
  let key: Uint8Array | JWTVerifyGetKey;
  let algorithms: string[];
  if (cfg.kind === "secret") {
    key = cfg.secret;
    algorithms = ["HS256"];
  } else {
    key = cfg.kind === "jwks-url" ? createRemoteJWKSet(new URL(cfg.url)) : createLocalJWKSet(JSON.parse(fs.readFileSync(cfg.file, "utf8")));
    algorithms = ["RS256", "ES256"];
  }
  // jose verifies through WebCrypto, which answers asynchronously (a thread-pool round
  // trip): under load that wait, not the HMAC, dominated auth time. Verified tokens are
  // kept (LRU, bounded), still checked for expiry on every use.
  const verified = new Map<string, { sub: string; exp: number; until: number }>();
  return {
    async verify(authorization) {
      const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(authorization ?? "");
      if (!match) throw new AuthError(authorization ? "AUTH_INVALID" : "AUTH_MISSING", authorization ? "malformed bearer token" : "a bearer token is required");
      const token = match[1]!;
      const hit = verified.get(token);
      if (hit) {
        const nowMs = Date.now();
        verified.delete(token);
        if (nowMs / 1000 > hit.exp + CLOCK_TOLERANCE_SECONDS) throw new AuthError("AUTH_EXPIRED", "token expired");
        if (nowMs < hit.until) {
          verified.set(token, hit); // most recently used last
          return { sub: hit.sub, exp: hit.exp };
        }
      }
      try {
        const options = {
          algorithms,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          ...(cfg.issuer ? { issuer: cfg.issuer } : {}),
          ...(cfg.audience ? { audience: cfg.audience } : {}),
          requiredClaims: ["sub", "exp"],
        };
        const { payload } = typeof key === "function" ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options);
        if (typeof payload.sub !== "string" || payload.sub.length === 0) throw new AuthError("AUTH_INVALID", "token has no subject");
        // A leaked token is only as dangerous as it is long-lived: one that expires further
        // ahead than the configured maximum, or claims to be issued in the future (a clock
        // or issuer fault that would stretch its life), is refused.
        const now = Math.floor(Date.now() / 1000);
        const exp = payload.exp!;
        const maxLifetime = cfg.maxLifetimeSeconds ?? DEFAULT_MAX_LIFETIME_SECONDS;
        if (exp - now > maxLifetime + CLOCK_TOLERANCE_SECONDS) throw new AuthError("AUTH_INVALID", `token expires more than ${maxLifetime} s ahead`);
        if (typeof payload.iat === "number" && payload.iat > now + CLOCK_TOLERANCE_SECONDS) throw new AuthError("AUTH_INVALID", "token issued in the future");
        if (verified.size >= VERIFIED_CACHE_MAX) verified.delete(verified.keys().next().value!);
        verified.set(token, { sub: payload.sub, exp, until: Math.min(Date.now() + VERIFIED_CACHE_SECONDS * 1000, (exp + CLOCK_TOLERANCE_SECONDS) * 1000) });
        return { sub: payload.sub, exp };
      } catch (err) {
        if (err instanceof AuthError) throw err;
        if (err instanceof errors.JWTExpired) throw new AuthError("AUTH_EXPIRED", "token expired", { cause: err });
        throw new AuthError("AUTH_INVALID", "token rejected", { cause: err });
      }
    },
  };
}
