// Fails a test that leaves a pool, client, worker or LISTEN connection open, and closes
// it so one leak does not cascade into the next test.
import { afterAll, afterEach, beforeEach } from "vitest";
import { openResources, untrack, type Resource } from "./openResources.ts";

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
  await closeAndReport(openResources(), "this file");
});
