// memvault keys: generate a key or a keyring, rotate a keyring file in place.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseKeyring } from "../../src/crypto/keyring.ts";
import { PROJECT_ROOT } from "../../src/projectRoot.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mvk-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const memvault = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [path.join(PROJECT_ROOT, "src/cli/main.ts"), ...args], {
    env: { PATH: process.env.PATH, ...env },
    encoding: "utf8",
  });

describe("memvault keys", () => {
  it("generate prints a fresh 256-bit key each time", () => {
    const a = memvault(["keys", "generate"]).stdout.trim();
    const b = memvault(["keys", "generate"]).stdout.trim();
    expect(Buffer.from(a, "base64")).toHaveLength(32);
    expect(a).not.toBe(b);
  });

  it("generate --keyring --out writes a loadable 0600 keyring and never overwrites one", () => {
    const file = path.join(dir, "keyring.json");
    expect(memvault(["keys", "generate", "--keyring", "--out", file]).status).toBe(0);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(parseKeyring("test", fs.readFileSync(file, "utf8")).primaryVersion).toBe(1);
    const again = memvault(["keys", "generate", "--keyring", "--out", file]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain("refusing to overwrite");
  });

  it("rotate makes a new primary and keeps the old keys", () => {
    const file = path.join(dir, "rotated-keyring.json");
    expect(memvault(["keys", "generate", "--keyring", "--out", file]).status).toBe(0);
    const before = JSON.parse(fs.readFileSync(file, "utf8"));
    const res = memvault(["keys", "rotate"], { MEMVAULT_KEYRING_FILE: file });
    expect(res.status).toBe(0);
    const after = JSON.parse(fs.readFileSync(file, "utf8"));
    expect(after.primary).toBe(2);
    expect(after.keys.slice(0, 1)).toEqual(before.keys);
    expect(after.userHashKey).toBe(before.userHashKey);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    // Nothing secret on the terminal.
    for (const k of after.keys) expect(res.stdout + res.stderr).not.toContain(k.key);
  });

  it("refuses to rotate without a keyring, naming the variable", () => {
    const res = memvault(["keys", "rotate"], { MEMVAULT_HOME: path.join(dir, "empty-home") });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/MEMVAULT_KEYRING: is not set/);
  });

  it("with no keyring configured, rotates the development keyring npm start created in MEMVAULT_HOME", () => {
    const home = path.join(dir, "dev-home");
    fs.mkdirSync(home);
    const file = path.join(home, "keyring.json");
    expect(memvault(["keys", "generate", "--keyring", "--out", file]).status).toBe(0);
    const res = memvault(["keys", "rotate"], { MEMVAULT_HOME: home });
    expect(res.stderr).toContain(`in ${file}`);
    expect(res.status).toBe(0);
    expect(JSON.parse(fs.readFileSync(file, "utf8")).primary).toBe(2);
  });
});
