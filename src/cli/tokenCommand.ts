// `memvault token --sub USER [--ttl SECONDS]`: a development bearer token for any user,
// signed with the local cluster's development secret (the one `npm start` created and
// verifies with). Refused in production: there, tokens come from the identity provider.
import fs from "node:fs";
import { SignJWT } from "jose";
import { DEFAULT_MAX_LIFETIME_SECONDS } from "../api/verifyToken.ts";
import { tokenVerificationConfigured } from "../config/apiTokenConfig.ts";
import { localJwtSecretFile } from "../config/dbConfig.ts";
import { readProcessConfig } from "../config/processConfig.ts";
import { CliError } from "./cliError.ts";

export async function tokenCommand(flags: { sub?: string; ttl?: string }): Promise<void> {
  if (readProcessConfig().explicitlyProduction) throw new CliError("PRODUCTION", "memvault token is a development helper: GRAPHILE_ENV/NODE_ENV says production");
  if (tokenVerificationConfigured()) {
    throw new CliError("PRODUCTION", "JWT_SECRET / JWT_JWKS_* are set: tokens come from your identity provider, not from memvault token");
  }
  if (!flags.sub) throw new CliError("USAGE", "usage: memvault token --sub USER [--ttl SECONDS]");
  const ttl = Number(flags.ttl ?? 3_600);
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > DEFAULT_MAX_LIFETIME_SECONDS) throw new CliError("USAGE", `--ttl must be 1..${DEFAULT_MAX_LIFETIME_SECONDS} seconds`);
  const file = localJwtSecretFile();
  if (!fs.existsSync(file)) throw new CliError("NO_DEV_SECRET", `no development secret at ${file}: run npm start once first`);
  const secret = new TextEncoder().encode(fs.readFileSync(file, "utf8").trim());
  const token = await new SignJWT({ sub: flags.sub }).setProtectedHeader({ alg: "HS256" }).setIssuedAt().setExpirationTime(`${ttl}s`).sign(secret);
  process.stdout.write(token + "\n");
}
