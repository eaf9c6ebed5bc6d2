// The record of erasures, kept with the KEK provider and outside the database, so that a
// database restore cannot rewind it: a restored backup brings an erased tenant's wrapped
// keys and rows back, and this record is what refuses them (the provider will not unwrap a
// key on it, and start-up purges what reappeared). Appended before the database forgets
// the keys: an erasure is never acknowledged without its record.
import { CodedError } from "../codedError.ts";

export interface ErasureRecord {
  userHash: string;
  erasureId: string;
  /** ISO time the record was written (the keys are deleted in the same moment). */
  erasedAt: string;
  /** The data keys destroyed: never unwrapped again. */
  keyIds: string[];
}

export type LedgerErrorCode =
  /** No place for the record is configured (ERASURE_LEDGER_FILE): erasure is refused. */
  | "ERASURE_LEDGER_UNSET"
  /** The record cannot be read or written, or holds something that is not a record. */
  | "ERASURE_LEDGER_UNAVAILABLE";

export class LedgerError extends CodedError<LedgerErrorCode> {
  override readonly name = "LedgerError";
}

export interface ErasureLedger {
  /** Where it lives, for logs and doctor ("file /var/lib/memvault/erasures.jsonl"). */
  readonly where: string;
  /** Adds a record durably. */
  append(record: ErasureRecord): Promise<void>;
  /** Every record, as stored now. */
  records(): Promise<ErasureRecord[]>;
  /** Whether a data key was erased (from a copy refreshed when the store changes). */
  isErased(keyId: string): Promise<boolean>;
}

const HEX64 = /^[0-9a-f]{64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A record read back, checked field by field (a ledger is never trusted to be well formed). */
export function parseErasureRecord(value: unknown): ErasureRecord {
  const r = value as Partial<ErasureRecord> | null;
  const ok =
    !!r &&
    typeof r.userHash === "string" && HEX64.test(r.userHash) &&
    typeof r.erasureId === "string" && UUID.test(r.erasureId) &&
    typeof r.erasedAt === "string" && !Number.isNaN(Date.parse(r.erasedAt)) &&
    Array.isArray(r.keyIds) && r.keyIds.every((k) => typeof k === "string" && UUID.test(k));
  if (!ok) throw new LedgerError("ERASURE_LEDGER_UNAVAILABLE", "the erasure ledger holds an entry that is not an erasure record");
  return { userHash: r.userHash!, erasureId: r.erasureId!, erasedAt: r.erasedAt!, keyIds: [...r.keyIds!] };
}

/** A ledger where no place is configured: reads as empty, refuses to record. */
export const unsetLedger: ErasureLedger = {
  where: "none",
  append: async () => {
    throw new LedgerError("ERASURE_LEDGER_UNSET", "no erasure ledger is configured (ERASURE_LEDGER_FILE): erasure is refused");
  },
  records: async () => [],
  isErased: async () => false,
};
