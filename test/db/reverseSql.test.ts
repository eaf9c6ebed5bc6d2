import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { functionStatement, reverseSql, viewStatement } from "../../src/db/reverseSql.ts";

const SQL = `create function memvault.f(x int) returns int language plpgsql as $fn$
begin
  return x; -- a ; inside the body, and $$ too
end;
$fn$;
comment on function memvault.f(int) is 'one';
create or replace view memvault.v as
  select 1 as a;
grant select on memvault.v to memvault_monitor;
create or replace function memvault.f(x int) returns int language sql as $$ select x + 1 $$;
`;

describe("reverse migrations' --!restore-* directives", () => {
  it("find a function's whole create statement (the last one, whatever its dollar tag) and a view's", () => {
    expect(functionStatement(SQL, "memvault.f")).toBe("create or replace function memvault.f(x int) returns int language sql as $$ select x + 1 $$;");
    expect(functionStatement(SQL.slice(0, SQL.indexOf("comment")), "memvault.f")).toMatch(/^create function memvault\.f[\s\S]*\$fn\$;$/);
    expect(viewStatement(SQL, "memvault.v")).toBe("create or replace view memvault.v as\n  select 1 as a;");
    expect(functionStatement(SQL, "memvault.g")).toBeUndefined();
  });

  it("refuse a function no earlier committed migration defines, naming it", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mv-reverse-"));
    try {
      const reverseFile = path.join(dir, "000003-x.sql");
      fs.writeFileSync(reverseFile, "--!restore-function memvault.never_defined\n");
      expect(() => reverseSql({ number: 3, name: "000003-x.sql", reverseFile })).toThrow(/--!restore-function memvault\.never_defined: no committed migration before 3 defines it/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
