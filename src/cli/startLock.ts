// One `memvault start` per local cluster: a second one (on another port, say) would run a
// second API and a second worker on the same data. MEMVAULT_HOME/start.pid names the start
// that runs; a file left by one that died is taken over. Starts against DATABASE_URL take no
// lock: several API processes on one database are a deployment's choice.
import fs from "node:fs";
import path from "node:path";
import { CliError } from "./cliError.ts";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === "EPERM";
  }
};

/** Takes the lock for this process, or throws ALREADY_RUNNING naming the start that holds it. Returns its release. */
export function acquireStartLock(home: string): () => void {
  const file = path.join(home, "start.pid");
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: "wx", mode: 0o600 });
      const release = () => {
        if (fs.readFileSync(file, "utf8").trim() === String(process.pid)) fs.rmSync(file, { force: true });
      };
      process.once("exit", () => {
        try {
          release();
        } catch {
          // already gone
        }
      });
      return release;
    } catch (err) {
      if ((err as { code?: string }).code !== "EEXIST") throw err;
      const holder = Number(fs.readFileSync(file, "utf8").trim());
      if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
        throw new CliError("ALREADY_RUNNING", `memvault start is already running on this local cluster (pid ${holder}, ${home}): stop it first, or use another MEMVAULT_HOME`);
      }
      fs.rmSync(file, { force: true }); // left by a start that died
    }
  }
  throw new CliError("ALREADY_RUNNING", `another memvault start took ${file} at the same moment`);
}
