// The deploy's row-count check. Without live traffic every memvault table must hold exactly
// the rows it held before. With traffic (RUNBOOK §5 lets tenants write during a deploy) a
// table may move by what the statistics collector saw inserted and deleted in between, no
// more: a migration that loses rows (a table rebuilt and copied short, a column rewrite
// gone wrong) still fails, while tenants' writes and forgets never roll a deploy back.
import type { DeploySnapshot } from "../db/deploySnapshot.ts";
import type { DoctorRow } from "./doctor.ts";

export function compareRowCounts(expected: Record<string, number>, after: DeploySnapshot, before?: DeploySnapshot): DoctorRow {
  const moved = (table: string) => {
    if (!before) return { inserted: 0, deleted: 0 }; // a restored backup: exact
    const from = before.activityBefore[table];
    const to = after.activityAfter[table];
    // A table dropped and created again starts its statistics afresh: nothing to allow.
    if (!from || !to) return { inserted: 0, deleted: 0 };
    return { inserted: Math.max(0, to.inserted - from.inserted), deleted: Math.max(0, to.deleted - from.deleted) };
  };
  const tables = Object.keys(after.rows).filter((t) => t in expected);
  const off = tables.filter((t) => {
    const { inserted, deleted } = moved(t);
    return after.rows[t]! < expected[t]! - deleted || after.rows[t]! > expected[t]! + inserted;
  });
  const total = Object.values(after.rows).reduce((a, b) => a + b, 0);
  const traffic = tables.reduce((sum, t) => sum + moved(t).inserted + moved(t).deleted, 0);
  if (off.length) {
    return {
      check: "row counts",
      status: "FAIL",
      detail: off.map((t) => `${t} ${expected[t]} -> ${after.rows[t]}${moved(t).inserted + moved(t).deleted ? ` (live traffic meanwhile: +${moved(t).inserted} -${moved(t).deleted})` : ""}`).join(", "),
    };
  }
  return {
    check: "row counts",
    status: "PASS",
    detail: `${total} rows in ${Object.keys(after.rows).length} tables, as expected${traffic ? ` (within the ${traffic} rows live traffic wrote and deleted meanwhile)` : ""}`,
  };
}
