// The house's one-way import map, checked: a module imports only its own folder or a layer
// below it. Production code never imports scripts/, test/ or bench/.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../src/projectRoot.ts";
import { sourceFiles } from "../support/sourceFiles.ts";

// Highest first. A folder may import its own files and any layer below its own; folders on
// one layer are peers and do not import each other. The top-level files of src/ (logger,
// errors, metrics listener, project root) are the shared floor, and the settings under it.
const LAYERS: readonly (readonly string[])[] = [
  ["tasks", "src/cli"],
  ["src/api", "src/worker", "src/ops"],
  ["src/keys"],
  ["src/db"],
  ["src/sql"],
  ["src/crypto", "src/embed", "src/keyword", "src/rerank"],
  ["src/onnx"],
  ["src"],
  ["src/config"],
];
const layerOf = (folder: string) => LAYERS.findIndex((l) => l.includes(folder));

/** Every relative import (static or dynamic) of each file, as project paths. */
function importEdges(): { from: string; to: string }[] {
  return [...sourceFiles("src"), ...sourceFiles("tasks")].flatMap((from) => {
    const text = fs.readFileSync(path.join(PROJECT_ROOT, from), "utf8");
    return [...text.matchAll(/(?:from|import\(?)\s*["'](\.[^"']+)["']/g)].map((m) => ({ from, to: path.normalize(path.join(path.dirname(from), m[1]!)) }));
  });
}

describe("the import map", () => {
  it("has no back-edge: every import goes to the importer's own folder or a lower layer", () => {
    const edges = importEdges();
    expect(edges.length).toBeGreaterThan(300);
    const wrong = edges.filter(({ from, to }) => {
      const a = path.dirname(from);
      const b = path.dirname(to);
      if (a === b) return false;
      const la = layerOf(a);
      const lb = layerOf(b);
      return la < 0 || lb < 0 || lb <= la;
    });
    expect(wrong.map(({ from, to }) => `${from} -> ${to}`)).toEqual([]);
  });

  it("keeps production code off the test-model generator, the tests and the benches", () => {
    const outside = importEdges().filter(({ to }) => /^(scripts|test|bench)\//.test(to));
    expect(outside.map(({ from, to }) => `${from} -> ${to}`)).toEqual([]);
  });
});
