// npm run docs: writes the generated documents (the configuration reference, the benchmark
// tables); `--check` only compares, and fails naming each stale file (CI runs it as a test).
import fs from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../src/projectRoot.ts";
import { generatedDocuments } from "./generate/generatedDocuments.ts";

const check = process.argv.includes("--check");
const stale: string[] = [];
for (const [file, text] of Object.entries(generatedDocuments())) {
  const full = path.join(PROJECT_ROOT, file);
  const current = fs.existsSync(full) ? fs.readFileSync(full, "utf8") : undefined;
  if (current === text) continue;
  if (check) stale.push(file);
  else {
    fs.writeFileSync(full, text);
    process.stdout.write(`wrote ${file}\n`);
  }
}
if (stale.length) {
  process.stderr.write(`stale: ${stale.join(", ")}: run npm run docs and commit the result\n`);
  process.exit(1);
}
