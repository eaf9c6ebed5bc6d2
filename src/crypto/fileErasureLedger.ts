// The erasure ledger as a file: one JSON record per line, appended and fsynced, mode 0600.
// Kept beside the keyring (its directory is the KEK's, and is backed up with it, not with
// the database). Re-read when its size or mtime changes, so every process on the host
// sees another's erasure at its next key unwrap.
import fs from "node:fs";
import { LedgerError, parseErasureRecord, type ErasureLedger, type ErasureRecord } from "./erasureLedger.ts";

function readRecords(file: string): ErasureRecord[] {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new LedgerError("ERASURE_LEDGER_UNAVAILABLE", `cannot read the erasure ledger ${file}`, { cause: err });
  }
  const lines = text.split("\n");
  // A last line without its newline is an append cut short: its erasure was never acknowledged.
  if (!text.endsWith("\n")) lines.pop();
  return lines.filter((l) => l.trim() !== "").map((line) => {
    try {
      return parseErasureRecord(JSON.parse(line));
    } catch (err) {
      throw err instanceof LedgerError ? err : new LedgerError("ERASURE_LEDGER_UNAVAILABLE", `the erasure ledger ${file} has a line that is not JSON`, { cause: err });
    }
  });
}

export function createFileErasureLedger(file: string): ErasureLedger {
  let stamp = "";
  let erased = new Set<string>();
  const refresh = () => {
    let now = "absent";
    try {
      const s = fs.statSync(file);
      now = `${s.size}:${s.mtimeMs}`;
    } catch {
      // no ledger yet: nothing erased
    }
    if (now !== stamp) {
      erased = new Set(readRecords(file).flatMap((r) => r.keyIds));
      stamp = now;
    }
  };
  return {
    where: `file ${file}`,
    async append(record) {
      try {
        const fd = fs.openSync(file, "a", 0o600);
        try {
          fs.writeSync(fd, `${JSON.stringify(record)}\n`);
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
      } catch (err) {
        throw new LedgerError("ERASURE_LEDGER_UNAVAILABLE", `cannot append to the erasure ledger ${file}`, { cause: err });
      }
      for (const k of record.keyIds) erased.add(k);
    },
    records: async () => readRecords(file),
    async isErased(keyId) {
      refresh();
      return erased.has(keyId);
    },
  };
}
