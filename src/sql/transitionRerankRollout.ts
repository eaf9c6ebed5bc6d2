import type pg from "pg";

export type RolloutAction = "start" | "pause" | "resume" | "promote" | "abort";

// Fixed function names: the action is never spliced from user input.
const FUNCTIONS: Record<RolloutAction, string> = {
  start: "memvault.start_rerank_rollout",
  pause: "memvault.pause_rerank_rollout",
  resume: "memvault.resume_rerank_rollout",
  promote: "memvault.promote_rerank_rollout",
  abort: "memvault.abort_rerank_rollout",
};

/** Moves the named rollout (SQLSTATE 55000 from a state it may not leave, P0002 when unknown). */
export async function transitionRerankRollout(client: pg.ClientBase, action: RolloutAction, name: string): Promise<void> {
  await client.query(`select ${FUNCTIONS[action]}($1::text)`, [name]);
}
