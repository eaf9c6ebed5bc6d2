// memvault as `npm start` runs it (`memvault start`: the API and the worker), as a child
// process of the bench, pointed at the bench's database; the bench only talks to it over
// HTTP, like any client.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { freePort } from "../../src/db/localCluster.ts";

const ROOT = path.resolve(import.meta.dirname, "..", "..");

export interface BenchServer {
  url: string;
  /** The API's /metrics (its own listener, API_METRICS_PORT). */
  metricsUrl: string;
  workerMetricsUrl: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startBenchServer(env: Record<string, string>): Promise<BenchServer> {
  const [apiPort, apiMetricsPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, "src/cli/main.ts"), "start"], {
    env: { PATH: process.env.PATH, GRAPHILE_ENV: "production", LOG_LEVEL: "warn", API_HOST: "127.0.0.1", API_PORT: String(apiPort), API_METRICS_PORT: String(apiMetricsPort), METRICS_PORT: String(metricsPort), ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4_000);
  });
  const url = `http://127.0.0.1:${apiPort}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`memvault start exited (${child.exitCode}):\n${stderr}`);
    const ready = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    const workerUp = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.ok, () => false);
    if (ready && workerUp) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`memvault start was not ready in 120 s:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    metricsUrl: `http://127.0.0.1:${apiMetricsPort}/metrics`,
    workerMetricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
