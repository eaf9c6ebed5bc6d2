// Fails a test that leaves a pool, client, worker or LISTEN connection open, and closes
// it so one leak does not cascade into the next test.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeEach, inject } from "vitest";
import { openResources, untrack, type Resource } from "./openResources.ts";

// Each file wraps its tenants' keys on the run's SoftHSM2 token (KEK_PROVIDER=pkcs11), and
// keeps its erasure ledger in a file of its own: one file's erasures are not another's.
// A file may set KEK_PROVIDER=keyring for itself (tests of the keyring KEK).
const ledgerDir = fs.mkdtempSync(path.join(os.tmpdir(), "mvledger-"));
Object.assign(process.env, inject("kek") ?? {}, { ERASURE_LEDGER_FILE: path.join(ledgerDir, "erasures.jsonl") });

let before = new Set<Resource>();

beforeEach(() => {
  before = new Set(openResources());
});

async function closeAndReport(leaked: Resource[], when: string): Promise<void> {
  if (leaked.length === 0) return;
  for (const r of leaked) {
    untrack(r);
    await r.close().catch(() => {});
  }
  throw new Error(`${when} left open: ${leaked.map((r) => r.label).join(", ")}`);
}

afterEach(async () => {
  await closeAndReport(openResources().filter((r) => !before.has(r) && r.scope !== "file"), "this test");
});

afterAll(async () => {
  fs.rmSync(ledgerDir, { recursive: true, force: true });
  await closeAndReport(openResources(), "this file");
});
