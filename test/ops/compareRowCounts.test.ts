// The deploy's row-count check: exact without traffic, moved by no more than the writes the
// statistics saw with it; a loss the traffic does not explain still fails.
import { describe, expect, it } from "vitest";
import { compareRowCounts } from "../../src/ops/compareRowCounts.ts";
import type { DeploySnapshot, TableActivity } from "../../src/db/deploySnapshot.ts";

const snapshot = (rows: Record<string, number>, before: TableActivity, after: TableActivity = before): DeploySnapshot =>
  ({ rows, activityBefore: before, activityAfter: after, indexes: [], plan: [], indexCheck: { status: 0, output: "" } }) as unknown as DeploySnapshot;
const quiet = { memory_chunks: { inserted: 100, deleted: 4 } };

describe("compareRowCounts", () => {
  it("no traffic: the same counts pass, one row fewer fails", () => {
    const before = snapshot({ memory_chunks: 96 }, quiet);
    expect(compareRowCounts(before.rows, snapshot({ memory_chunks: 96 }, quiet), before).status).toBe("PASS");
    expect(compareRowCounts(before.rows, snapshot({ memory_chunks: 95 }, quiet), before)).toMatchObject({ status: "FAIL", detail: "memory_chunks 96 -> 95" });
  });

  it("with traffic: a count within what was inserted and deleted meanwhile passes; a loss beyond it fails", () => {
    const before = snapshot({ memory_chunks: 96 }, quiet);
    const busy = { memory_chunks: { inserted: 130, deleted: 14 } }; // +30 -10 meanwhile
    expect(compareRowCounts(before.rows, snapshot({ memory_chunks: 116 }, quiet, busy), before).status).toBe("PASS");
    expect(compareRowCounts(before.rows, snapshot({ memory_chunks: 86 }, quiet, busy), before).status).toBe("PASS");
    expect(compareRowCounts(before.rows, snapshot({ memory_chunks: 85 }, quiet, busy), before)).toMatchObject({ status: "FAIL", detail: expect.stringContaining("live traffic meanwhile: +30 -10") });
    expect(compareRowCounts(before.rows, snapshot({ memory_chunks: 127 }, quiet, busy), before).status).toBe("FAIL");
  });

  it("a table whose statistics started afresh (dropped and created again), or a restored backup, is held to the exact count", () => {
    const before = snapshot({ memory_chunks: 96 }, quiet);
    expect(compareRowCounts(before.rows, snapshot({ memory_chunks: 90 }, {}, {}), before).status).toBe("FAIL");
    expect(compareRowCounts({ memory_chunks: 96 }, snapshot({ memory_chunks: 90 }, quiet, { memory_chunks: { inserted: 100, deleted: 50 } })).status).toBe("FAIL");
  });
});
