// Streams end at their token's expiry, however far away it is: setTimeout fires at once past
// 2^31-1 ms (about 24.8 days), so a month-long token must not close its stream at once.
import { describe, expect, it } from "vitest";
import { whenTokenExpires } from "../../src/api/tokenExpiry.ts";

describe("whenTokenExpires", () => {
  it("waits for a token 30 days away instead of firing at once", async () => {
    let fired = false;
    const cancel = whenTokenExpires(Math.floor(Date.now() / 1000) + 30 * 86_400, () => (fired = true));
    // A negative check, so a fixed wait: an overflowing setTimeout fires after 1 ms; 100 ms
    // leaves it every chance to, and nothing else could make the callback run.
    await new Promise((r) => setTimeout(r, 100));
    cancel();
    expect(fired).toBe(false);
  });

  it("fires at the expiry of a near token, and at once for a past one", async () => {
    const fired: string[] = [];
    whenTokenExpires(Math.floor(Date.now() / 1000) - 1, () => fired.push("past"));
    expect(fired).toEqual(["past"]);
    const exp = Math.floor(Date.now() / 1000) + 1;
    await new Promise<void>((resolve) => whenTokenExpires(exp, () => resolve()));
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000);
  });
});
