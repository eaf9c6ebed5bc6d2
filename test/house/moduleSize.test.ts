// Small modules with one job each: no file in src/ over 300 lines and no function over 80,
// unless the code says why in a comment starting "Size:" (at the top of the file, or right
// above the function).
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../src/projectRoot.ts";
import { sourceFiles } from "../support/sourceFiles.ts";

const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 80;

const explained = (text: string, pos: number) => (ts.getLeadingCommentRanges(text, pos) ?? []).some((c) => /^\s*(\/\/|\/\*+|\*)\s*Size:/m.test(text.slice(c.pos, c.end)));

/** Functions longer than the limit, outermost only (a long function's inner ones are its problem). */
function longFunctions(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const lineOf = (pos: number) => source.getLineAndCharacterOfPosition(pos).line + 1;
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const lines = lineOf(node.getEnd()) - lineOf(node.getStart()) + 1;
      // A function's comment sits before its statement (const f = () => ...) or itself.
      const statement = ts.isVariableDeclaration(node.parent) ? node.parent.parent.parent : node;
      if (lines > MAX_FUNCTION_LINES) {
        if (!explained(text, statement.getFullStart()) && !explained(text, node.getFullStart())) out.push(`${file}:${lineOf(node.getStart())}: ${lines} lines`);
        return;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

describe("module size", () => {
  const files = [...sourceFiles("src"), ...sourceFiles("tasks")].map((f) => ({ file: f, text: fs.readFileSync(path.join(PROJECT_ROOT, f), "utf8") }));

  it(`no file over ${MAX_FILE_LINES} lines without a Size: comment saying why`, () => {
    const long = files.filter(({ text }) => text.split("\n").length > MAX_FILE_LINES && !/^\/\/ Size:/m.test(text));
    expect(long.map(({ file, text }) => `${file}: ${text.split("\n").length} lines`)).toEqual([]);
  });

  it(`no function over ${MAX_FUNCTION_LINES} lines without a Size: comment saying why`, () => {
    expect(files.flatMap(({ file, text }) => longFunctions(file, text))).toEqual([]);
  });
});
