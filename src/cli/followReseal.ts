// `memvault keys rotate --reseal`'s progress: polls until no chunk is left under a keyring
// version (every one under its tenant's own key), drawing a bar on stderr.
import type pg from "pg";
import { selectKeyVersionUsage } from "../sql/selectKeyVersionUsage.ts";
import { CliError } from "./cliError.ts";

/** Polls until no chunk is sealed under a keyring version (all under their tenants' keys), drawing a progress bar on stderr. */
export async function followReseal(client: pg.Client, timeoutMs: number): Promise<void> {
  const underKeyring = async () => [...(await selectKeyVersionUsage(client))].reduce((sum, [version, n]) => sum + (version > 0 ? n : 0), 0);
  const initial = await underKeyring();
  const count = async () => {
    const below = await underKeyring();
    return { below, total: Math.max(initial, below) };
  };
  const start = Date.now();
  for (;;) {
    const { below, total } = await count();
    const done = total - below;
    const width = 30;
    const filled = total === 0 ? width : Math.round((done / total) * width);
    process.stderr.write(`\rre-seal [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} chunks under their tenants' keys`);
    if (below === 0) {
      process.stderr.write("\n");
      return;
    }
    if (Date.now() - start > timeoutMs) {
      process.stderr.write("\n");
      throw new CliError("RESEAL_TIMEOUT", `${below} chunks still under a keyring version; workers keep going (are any running?)`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

