// A setting that is missing or malformed: every problem found, each naming its variable
// (never its value, which may be a secret).
export interface ConfigProblem {
  variable: string;
  problem: string;
}

export class ConfigError extends Error {
  readonly code = "MEMVAULT_CONFIG";
  /** The first problem's variable. */
  readonly variable: string;
  readonly problems: readonly ConfigProblem[];
  constructor(variable: string, problem: string, more: readonly ConfigProblem[] = []) {
    const problems = [{ variable, problem }, ...more];
    super(problems.map((p) => `${p.variable}: ${p.problem}`).join("\n"));
    this.name = "ConfigError";
    this.variable = variable;
    this.problems = problems;
  }

  static of(problems: readonly ConfigProblem[]): ConfigError {
    return new ConfigError(problems[0]!.variable, problems[0]!.problem, problems.slice(1));
  }
}
