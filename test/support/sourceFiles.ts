// The TypeScript files under a project folder, as project-relative paths (the house checks read them).
import fs from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../../src/projectRoot.ts";

export function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(PROJECT_ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : [],
  );
}
