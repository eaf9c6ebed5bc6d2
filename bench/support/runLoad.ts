// Runs a load generator (loadgen.ts, sqlLoad.ts) as its own process with a plan, passes its
// progress lines through, and returns what it wrote.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export async function runLoad<T>(script: string, plan: unknown, onLine: (line: string) => void = () => {}): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mv-load-"));
  const planFile = path.join(dir, "plan.json");
  const outFile = path.join(dir, "out.json");
  fs.writeFileSync(planFile, JSON.stringify(plan));
  try {
    const child = spawn(process.execPath, [path.join(import.meta.dirname, script), planFile, outFile], { stdio: ["ignore", "inherit", "pipe"] });
    let tail = "";
    let pending = "";
    child.stderr!.on("data", (d: Buffer) => {
      pending += d.toString();
      tail = (tail + d.toString()).slice(-4_000);
      let cut: number;
      while ((cut = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, cut);
        pending = pending.slice(cut + 1);
        if (line.startsWith("PHASE ")) onLine(line);
        else process.stderr.write(`${line}\n`);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    if (code !== 0) throw new Error(`${script} exited with ${code}:\n${tail}`);
    return JSON.parse(fs.readFileSync(outFile, "utf8")) as T;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
