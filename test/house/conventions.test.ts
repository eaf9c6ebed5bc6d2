// sql/CONVENTIONS.md says what graphile-migrate substitutes; .gmrc is what it does.
import fs from "node:fs";
import path from "node:path";
import JSON5 from "json5";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../src/projectRoot.ts";

describe("sql/CONVENTIONS.md", () => {
  it("lists every placeholder .gmrc defines, and graphile-migrate's :DATABASE_NAME", () => {
    const gmrc = JSON5.parse(fs.readFileSync(path.join(PROJECT_ROOT, ".gmrc"), "utf8")) as { placeholders: Record<string, string> };
    const conventions = fs.readFileSync(path.join(PROJECT_ROOT, "sql", "CONVENTIONS.md"), "utf8");
    const paragraph = conventions.slice(conventions.indexOf("- Placeholders:"), conventions.indexOf("\n\n", conventions.indexOf("- Placeholders:")));
    const listed = [...paragraph.matchAll(/`(:[A-Z_]+)`/g)].map((m) => m[1]).sort();
    expect(listed).toEqual([...Object.keys(gmrc.placeholders), ":DATABASE_NAME"].sort());
  });

  it("reverse migrations restore functions and views with --!restore-function / --!restore-view, never by pasting them", () => {
    const dir = path.join(PROJECT_ROOT, "migrations", "reverse");
    const pasted = fs.readdirSync(dir).filter((f) => /^create (or replace )?(function|view) /im.test(fs.readFileSync(path.join(dir, f), "utf8")));
    expect(pasted).toEqual([]);
  });
});
