import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { acquireStartLock } from "../../src/cli/startLock.ts";

const homes: string[] = [];
const home = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mv-lock-"));
  homes.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of homes.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe("the start lock", () => {
  it("is held by one start at a time: a second is refused with ALREADY_RUNNING naming the first, and may start once it is released", () => {
    const dir = home();
    const release = acquireStartLock(dir);
    expect(fs.readFileSync(path.join(dir, "start.pid"), "utf8").trim()).toBe(String(process.pid));
    expect(() => acquireStartLock(dir)).toThrow(expect.objectContaining({ code: "ALREADY_RUNNING", message: expect.stringContaining(`pid ${process.pid}`) }));
    release();
    expect(fs.existsSync(path.join(dir, "start.pid"))).toBe(false);
    acquireStartLock(dir)();
  });

  it("is taken over from a start that died without releasing it", () => {
    const dir = home();
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout;
    fs.writeFileSync(path.join(dir, "start.pid"), `${gone}\n`);
    const release = acquireStartLock(dir);
    expect(fs.readFileSync(path.join(dir, "start.pid"), "utf8").trim()).toBe(String(process.pid));
    release();
  });
});
