// Token verification attacked: forged, tampered, expired, not yet valid, wrong audience
// or issuer, alg none, HS256 signed with the public key (key confusion), no subject.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { AuthError, createTokenVerifier, type TokenVerifier } from "../../src/api/verifyToken.ts";

const secret = new TextEncoder().encode(randomBytes(32).toString("hex"));
const now = () => Math.floor(Date.now() / 1000);
const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");

const hs = (claims: Record<string, unknown>, key: Uint8Array = secret) =>
  new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(key);

async function rejects(verifier: TokenVerifier, token: string, code: string) {
  const err = await verifier.verify(`Bearer ${token}`).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AuthError);
  expect((err as AuthError).code).toBe(code);
  expect((err as AuthError).message).not.toContain(token.slice(0, 20));
}

describe("HS256 with a secret", () => {
  const verifier = createTokenVerifier({ kind: "secret", secret, issuer: "https://issuer.test", audience: "memvault" });
  const good = { sub: "user-1", iss: "https://issuer.test", aud: "memvault", exp: now() + 60 };

  it("accepts a valid token and returns its subject", async () => {
    expect(await verifier.verify(`Bearer ${await hs(good)}`)).toMatchObject({ sub: "user-1" });
  });

  it("rejects no header, a malformed header, a forged signature and a tampered payload", async () => {
    await expect(verifier.verify(undefined)).rejects.toMatchObject({ code: "AUTH_MISSING" });
    await expect(verifier.verify("Basic abc")).rejects.toMatchObject({ code: "AUTH_INVALID" });
    await rejects(verifier, await hs(good, new TextEncoder().encode(randomBytes(32).toString("hex"))), "AUTH_INVALID");
    const [h, , s] = (await hs(good)).split(".");
    await rejects(verifier, `${h}.${b64url({ ...good, sub: "admin" })}.${s}`, "AUTH_INVALID");
  });

  it("rejects expired tokens (past the leeway), tokens not yet valid, and tokens without exp", async () => {
    await rejects(verifier, await hs({ ...good, exp: now() - 30 }), "AUTH_EXPIRED");
    expect(await verifier.verify(`Bearer ${await hs({ ...good, exp: now() - 2 })}`)).toMatchObject({ sub: "user-1" }); // within 5 s leeway
    await rejects(verifier, await hs({ ...good, nbf: now() + 60 }), "AUTH_INVALID");
    const { exp: _exp, ...noExp } = good;
    await rejects(verifier, await hs(noExp), "AUTH_INVALID");
  });

  it("rejects the wrong audience or issuer, and a token without a subject", async () => {
    await rejects(verifier, await hs({ ...good, aud: "someone-else" }), "AUTH_INVALID");
    await rejects(verifier, await hs({ ...good, iss: "https://evil.test" }), "AUTH_INVALID");
    const { sub: _sub, ...noSub } = good;
    await rejects(verifier, await hs(noSub), "AUTH_INVALID");
  });

  it("rejects a token that lives longer than the maximum, or claims to be issued in the future", async () => {
    const short = createTokenVerifier({ kind: "secret", secret, issuer: "https://issuer.test", audience: "memvault", maxLifetimeSeconds: 3_600 });
    expect(await short.verify(`Bearer ${await hs({ ...good, exp: now() + 3_500 })}`)).toMatchObject({ sub: "user-1" });
    await rejects(short, await hs({ ...good, exp: now() + 7_200 }), "AUTH_INVALID");
    await rejects(short, await hs({ ...good, exp: now() + 10 * 365 * 86_400 }), "AUTH_INVALID");
    await rejects(short, await hs({ ...good, iat: now() + 600 }), "AUTH_INVALID");
    expect(await short.verify(`Bearer ${await hs({ ...good, iat: now() - 10 })}`)).toMatchObject({ sub: "user-1", exp: good.exp });
  });

  it("rejects alg none", async () => {
    await rejects(verifier, `${b64url({ alg: "none", typ: "JWT" })}.${b64url(good)}.`, "AUTH_INVALID");
  });
});

describe("verified tokens are remembered, never past their expiry", () => {
  afterEach(() => void vi.useRealTimers());

  it("a token used again is answered from the cache, but expires there as it would anywhere", async () => {
    const verifier = createTokenVerifier({ kind: "secret", secret, audience: "memvault" });
    const token = await hs({ sub: "cached", aud: "memvault", exp: now() + 30 });
    expect(await verifier.verify(`Bearer ${token}`)).toMatchObject({ sub: "cached" });
    expect(await verifier.verify(`Bearer ${token}`)).toMatchObject({ sub: "cached" });
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 40_000); // past exp and the leeway
    await rejects(verifier, token, "AUTH_EXPIRED");
  });

  it("a cached token does not vouch for a tampered copy of itself", async () => {
    const verifier = createTokenVerifier({ kind: "secret", secret, audience: "memvault" });
    const token = await hs({ sub: "user-1", aud: "memvault", exp: now() + 60 });
    await verifier.verify(`Bearer ${token}`);
    const [h, , sig] = token.split(".");
    await rejects(verifier, `${h}.${b64url({ sub: "admin", aud: "memvault", exp: now() + 60 })}.${sig}`, "AUTH_INVALID");
    // One signature character changed mid-way (the last characters carry padding bits: a
    // change there can decode to the same bytes, and did, once in a thousand runs).
    const at = token.length - 20;
    await rejects(verifier, `${token.slice(0, at)}${token[at] === "A" ? "B" : "A"}${token.slice(at + 1)}`, "AUTH_INVALID");
  });
});

describe("RS256 / ES256 from a JWKS file", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mvj-"));
  let verifier: TokenVerifier;
  let rsa: Awaited<ReturnType<typeof generateKeyPair>>;
  let ec: Awaited<ReturnType<typeof generateKeyPair>>;
  beforeAll(async () => {
    rsa = await generateKeyPair("RS256", { extractable: true });
    ec = await generateKeyPair("ES256", { extractable: true });
    const keys = [
      { ...(await exportJWK(rsa.publicKey)), alg: "RS256", kid: "rsa" },
      { ...(await exportJWK(ec.publicKey)), alg: "ES256", kid: "ec" },
    ];
    fs.writeFileSync(path.join(dir, "jwks.json"), JSON.stringify({ keys }));
    verifier = createTokenVerifier({ kind: "jwks-file", file: path.join(dir, "jwks.json"), audience: "memvault" });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const claims = () => ({ sub: "user-2", aud: "memvault", exp: now() + 60 });

  it("accepts RS256 and ES256 tokens signed by the keys in the set", async () => {
    const r = await new SignJWT(claims()).setProtectedHeader({ alg: "RS256", kid: "rsa" }).sign(rsa.privateKey);
    const e = await new SignJWT(claims()).setProtectedHeader({ alg: "ES256", kid: "ec" }).sign(ec.privateKey);
    expect(await verifier.verify(`Bearer ${r}`)).toMatchObject({ sub: "user-2" });
    expect(await verifier.verify(`Bearer ${e}`)).toMatchObject({ sub: "user-2" });
  });

  it("rejects a key not in the set, and HS256 signed with the public key (key confusion)", async () => {
    const other = await generateKeyPair("RS256");
    await rejects(verifier, await new SignJWT(claims()).setProtectedHeader({ alg: "RS256", kid: "rsa" }).sign(other.privateKey), "AUTH_INVALID");
    const publicPem = new TextEncoder().encode(await exportSPKI(rsa.publicKey));
    await rejects(verifier, await new SignJWT(claims()).setProtectedHeader({ alg: "HS256", kid: "rsa" }).sign(publicPem), "AUTH_INVALID");
  });
});

describe("RS256 from a JWKS URL (an identity provider's endpoint)", () => {
  let server: http.Server;
  let url: string;
  let served = 0;
  let rsa: Awaited<ReturnType<typeof generateKeyPair>>;
  beforeAll(async () => {
    rsa = await generateKeyPair("RS256", { extractable: true });
    const body = JSON.stringify({ keys: [{ ...(await exportJWK(rsa.publicKey)), alg: "RS256", kid: "idp-1" }] });
    server = http.createServer((req, res) => {
      served++;
      res.writeHead(req.url === "/.well-known/jwks.json" ? 200 : 404, { "content-type": "application/json" }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("accepts a token signed by a key the endpoint serves, refuses one it does not, and fetches the set once for both", async () => {
    const verifier = createTokenVerifier({ kind: "jwks-url", url, audience: "memvault" });
    const claims = { sub: "idp-user", aud: "memvault", exp: now() + 60 };
    const good = await new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: "idp-1" }).sign(rsa.privateKey);
    expect(await verifier.verify(`Bearer ${good}`)).toMatchObject({ sub: "idp-user" });
    const stranger = await generateKeyPair("RS256");
    await rejects(verifier, await new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: "idp-1" }).sign(stranger.privateKey), "AUTH_INVALID");
    expect(served).toBe(1);
  });
});
