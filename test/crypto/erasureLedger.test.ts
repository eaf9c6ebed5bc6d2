// The erasure ledger outside the database: a file beside the keyring, or data objects on
// the token. What was appended is read back by another reader; a line cut short by a
// crash (never acknowledged) is ignored; anything else that is not a record fails closed.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { PKCS11_SKIP_REASON } from "../support/kekEnv.ts";
import { readKekConfig } from "../../src/config/kekConfig.ts";
import { createFileErasureLedger } from "../../src/crypto/fileErasureLedger.ts";
import { createTokenErasureLedger } from "../../src/crypto/tokenErasureLedger.ts";
import { unsetLedger, type ErasureRecord } from "../../src/crypto/erasureLedger.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mvledger-test-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const record = (n: number): ErasureRecord => ({
  userHash: n.toString(16).padStart(64, "0"),
  erasureId: `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`,
  erasedAt: new Date(Date.UTC(2026, 11, 8, 0, 0, n)).toISOString(),
  keyIds: [`10000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`],
});
const codeOf = async (p: Promise<unknown>) => p.then(() => undefined, (err: { code?: string }) => err.code);

describe("the file ledger", () => {
  it("reads back what was appended, in another reader too, and names the erased keys", async () => {
    const file = path.join(dir, "a.jsonl");
    const ledger = createFileErasureLedger(file);
    expect(await ledger.records()).toEqual([]);
    await ledger.append(record(1));
    await ledger.append(record(2));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const other = createFileErasureLedger(file);
    expect(await other.records()).toEqual([record(1), record(2)]);
    expect(await other.isErased(record(2).keyIds[0]!)).toBe(true);
    expect(await other.isErased(record(3).keyIds[0]!)).toBe(false);
    await ledger.append(record(3));
    expect(await other.isErased(record(3).keyIds[0]!)).toBe(true); // re-read when the file changed
  });

  it("ignores a last line cut short, and fails closed on anything else that is not a record", async () => {
    const file = path.join(dir, "b.jsonl");
    fs.writeFileSync(file, `${JSON.stringify(record(1))}\n{"userHash":"00`, { mode: 0o600 });
    expect(await createFileErasureLedger(file).records()).toEqual([record(1)]);
    fs.writeFileSync(file, `${JSON.stringify({ ...record(1), keyIds: ["not-a-uuid"] })}\n`, { mode: 0o600 });
    expect(await codeOf(createFileErasureLedger(file).records())).toBe("ERASURE_LEDGER_UNAVAILABLE");
    expect(await codeOf(createFileErasureLedger(file).isErased(record(1).keyIds[0]!))).toBe("ERASURE_LEDGER_UNAVAILABLE");
  });

  it("without a place for it, erasure is refused", async () => {
    expect(await codeOf(unsetLedger.append(record(1)))).toBe("ERASURE_LEDGER_UNSET");
  });
});

describe.skipIf(!inject("kek"))(inject("kek") ? "the token ledger (SoftHSM2)" : `the token ledger: skipped, ${PKCS11_SKIP_REASON}`, () => {
  it("keeps records as data objects on the token, read back by another session", async () => {
    const config = readKekConfig({ ...process.env, ERASURE_LEDGER_FILE: "" });
    if (config.provider !== "pkcs11") throw new Error("the run's token is not configured");
    const ledger = createTokenErasureLedger(config.pkcs11);
    const mine = { ...record(7), erasureId: crypto.randomUUID(), keyIds: [crypto.randomUUID()] };
    await ledger.append(mine);
    const records = await createTokenErasureLedger(config.pkcs11).records();
    expect(records).toContainEqual(mine);
    expect(await createTokenErasureLedger(config.pkcs11).isErased(mine.keyIds[0]!)).toBe(true);
  });
});
