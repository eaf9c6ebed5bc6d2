// The memories page's opaque keyset cursor: a row's exact created_at (microseconds) and id.
import type { SealedChunkRow } from "../sql/selectChunkPage.ts";
import { InputError } from "./inputError.ts";
import { validateId } from "./validateMemoryInput.ts";

export const encodeCursor = (row: SealedChunkRow) => Buffer.from(`${row.created_at_key}|${row.id}`).toString("base64url");

export const badCursor = (cause?: unknown) => new InputError("BAD_CURSOR", "cursor is not one this API issued", cause ? { cause } : undefined);

export function decodeCursor(cursor: string): { createdAt: string; id: string } {
  if (cursor.length > 200) throw badCursor();
  const [createdAt, id, ...rest] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d{1,6})?[+-]\d\d(:\d\d)?$/.exec(createdAt ?? "");
  if (!m || !id || rest.length > 0) throw badCursor();
  // A well-formed but impossible timestamp (month 13, hour 25) is refused here, not by Postgres.
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d || h > 23 || mi > 59 || sec > 59) throw badCursor();
  try {
    return { createdAt: createdAt!, id: validateId(id) };
  } catch (err) {
    throw badCursor(err);
  }
}
