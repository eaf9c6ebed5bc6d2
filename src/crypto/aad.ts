// Additional authenticated data for a sealed value: which tenant, table, field and row it
// belongs to, under which key version and blob format. Each part is length-prefixed
// (u32 big-endian), so no two different contexts encode to the same bytes, which plain
// concatenation cannot promise ("ab"+"c" = "a"+"bc").
export interface SealContext {
  userHash: string;
  table: string;
  field: string;
  rowId: string;
}

const DOMAIN = "memvault/aad/v1";

export function encodeAad(ctx: SealContext, formatVersion: number, keyVersion: number): Buffer {
  const parts = [DOMAIN, ctx.userHash, ctx.table, ctx.field, ctx.rowId].map((s) => Buffer.from(s, "utf8"));
  const numbers = Buffer.alloc(5);
  numbers.writeUInt8(formatVersion, 0);
  numbers.writeUInt32BE(keyVersion, 1);
  parts.push(numbers);
  const out: Buffer[] = [];
  for (const p of parts) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(p.length, 0);
    out.push(len, p);
  }
  return Buffer.concat(out);
}
