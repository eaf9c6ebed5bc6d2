// Role names are fixed: the policies, grants, DBA scripts and doctor all name them.
export const ROLES = {
  /** Owns every object; used only by migrations. */
  owner: "memvault_owner",
  /** What GraphQL requests run as (SET ROLE from the authenticator). */
  user: "memvault_user",
  /** Background jobs. */
  worker: "memvault_worker",
  /** DBA read-only views; no content access. */
  monitor: "memvault_monitor",
  /** Canary rollouts of the reranker: executes the rollout functions, reads the rollout tables; no tenant content. */
  operator: "memvault_operator",
  /** The API's login role: NOINHERIT, holds no privileges, may only SET ROLE memvault_user. */
  authenticator: "memvault_authenticator",
} as const;

export type RoleKey = keyof typeof ROLES;

/** Roles that ordinary application traffic runs as: none may be SUPERUSER or BYPASSRLS, or own anything. */
export const RUNTIME_ROLES = [ROLES.user, ROLES.worker, ROLES.monitor, ROLES.operator, ROLES.authenticator] as const;

/** Roles the local cluster gives a password and LOGIN. */
export const LOGIN_ROLES: readonly RoleKey[] = ["owner", "worker", "monitor", "operator", "authenticator"];
