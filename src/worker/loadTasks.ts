// tasks/<identifier>.ts, one per job identifier; each default-exports a factory that
// receives the worker's context and returns the graphile-worker task.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Task } from "graphile-worker";
import { PROJECT_ROOT } from "../projectRoot.ts";
import type { WorkerContext } from "./workerContext.ts";

export const TASKS_DIR = path.join(PROJECT_ROOT, "tasks");

export async function loadTasks(ctx: WorkerContext, only?: string[]): Promise<Record<string, Task>> {
  const list: Record<string, Task> = {};
  const files = fs.readdirSync(TASKS_DIR).filter((f) => f.endsWith(".ts")).sort();
  const unknown = only?.filter((t) => !files.includes(`${t}.ts`)) ?? [];
  if (unknown.length) throw new Error(`WORKER_TASKS names unknown tasks: ${unknown.join(", ")}`);
  for (const file of files.filter((f) => !only || only.includes(path.basename(f, ".ts")))) {
    const mod = (await import(pathToFileURL(path.join(TASKS_DIR, file)).href)) as { default: (ctx: WorkerContext) => Task };
    list[path.basename(file, ".ts")] = mod.default(ctx);
  }
  return list;
}
