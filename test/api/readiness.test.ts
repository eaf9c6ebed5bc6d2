// /readyz's rerank field says what tenants get: the operator's default variant when one is
// set (the worker serves it), else the RERANK_* settings as the API process sees them.
import { describe, expect, it } from "vitest";
import { useApiFixture } from "../support/apiFixture.ts";
import { useKeyringDatabase } from "../support/keyringDatabase.ts";
import { asIdentity } from "../support/tenant.ts";
import { waitFor } from "../support/waitFor.ts";

const fx = useKeyringDatabase();
const t = useApiFixture(fx, { rerankStatus: () => "no_model" });
const readyz = async () => (await (await fetch(`${t.api.url}/readyz`)).json()) as { ready: boolean; rerank: string };

describe("/readyz", () => {
  it("reports the default rerank variant once an operator sets one, the settings' state before", async () => {
    expect(await readyz()).toMatchObject({ ready: true, rerank: "no_model" });
    await asIdentity(
      fx.root,
      { role: "memvault_operator" },
      async (c) => {
        // A pin in the right shape (no real model is loaded here), built, not written out.
        await c.query("select memvault.create_rerank_variant('tinybert-v2', '/models/tinybert', null, $1::text, 8, 256, 2, 250)", ["0".repeat(64)]);
        await c.query("select memvault.set_default_rerank_variant('tinybert-v2')");
      },
      { commit: true },
    );
    // The answer is cached for a second.
    await waitFor("readiness to see the default", async () => (await readyz()).rerank === "variant:tinybert-v2");
    expect((await readyz()).ready).toBe(true);
  });
});
