import { createHash } from "node:crypto";
import fs from "node:fs";

/** A file's SHA-256 (hex), streamed: model files are tens of MB. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
