import type pg from "pg";
import { withLocalSettings } from "../db/withLocalSettings.ts";

/** One transaction with app.user_hash set for it: RLS shows the task this tenant's rows and nothing else. */
export function withTenant<T>(client: pg.ClientBase, userHash: string, fn: (client: pg.ClientBase) => Promise<T>): Promise<T> {
  return withLocalSettings(client, { "app.user_hash": userHash }, fn);
}
