// Generated test models, written once per test file into a temporary directory.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { writeTestModel, type TestModelKind } from "../../scripts/testModels.ts";

/** quantized: the cross-encoders also get their int8 exports (onnx/model_q*int8_*.onnx). */
export function makeModelDirs(kinds: TestModelKind[], opts: { quantized?: boolean } = {}): { dir(kind: TestModelKind): string; root: string; remove(): void } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "mvm-"));
  for (const kind of kinds) writeTestModel(kind, path.join(root, kind), opts);
  return { root, dir: (kind) => path.join(root, kind), remove: () => fs.rmSync(root, { recursive: true, force: true }) };
}
