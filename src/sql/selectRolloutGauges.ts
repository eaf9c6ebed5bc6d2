import type pg from "pg";

export interface RolloutGaugeRow {
  name: string;
  treatment: string;
  state: string;
  share_bp: number;
  failures: number;
}

/** Rollouts that are active or ended in the last day, with the treatment's current share. */
export async function selectRolloutGauges(client: pg.Pool | pg.ClientBase): Promise<RolloutGaugeRow[]> {
  const { rows } = await client.query<RolloutGaugeRow>(
    `select r.name, r.treatment_variant as treatment, r.state, r.failures,
            case when r.state in ('running', 'paused') then coalesce(s.share_bp, 0) when r.state = 'promoted' then 10000 else 0 end as share_bp
     from memvault.rerank_rollouts r
     left join memvault.rerank_rollout_steps s on s.rollout_id = r.id and s.step = r.current_step
     where r.state in ('running', 'paused') or r.finished_at > now() - interval '1 day'`,
  );
  return rows;
}
