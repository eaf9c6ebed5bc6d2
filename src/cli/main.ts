#!/usr/bin/env node
// memvault's command line: the flags (cliOptions.ts) and the commands (commands.ts), each
// command in its own module.
import { parseArgs } from "node:util";
import { ConfigError } from "../config/configError.ts";
import { CodedError } from "../codedError.ts";
import { CLI_OPTIONS } from "./cliOptions.ts";
import { CliError } from "./cliError.ts";
import { COMMANDS, usage } from "./commands.ts";

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: CLI_OPTIONS });
  const [command, sub] = positionals;
  if (command === "rollout") return COMMANDS.rollout!.run(sub, values, positionals);
  if (values.help || !command) return void process.stdout.write(usage() + "\n");
  if (!Object.hasOwn(COMMANDS, command)) throw new CliError("USAGE", `unknown command '${command}'\n${usage()}`);
  return COMMANDS[command]!.run(sub, values, positionals);
}

main(process.argv.slice(2)).then(
  () => process.exit(),
  (err: unknown) => {
    // Coded errors (CliError, DeployError, ...) carry messages written for the operator.
    if (err instanceof CodedError || err instanceof ConfigError) {
      process.stderr.write(`memvault: ${err.code}: ${err.message}\n`);
    } else {
      process.stderr.write(`memvault: ${err instanceof Error ? err.message : String(err)}\n`);
    }
    process.exit(process.exitCode && process.exitCode !== 0 ? process.exitCode : 1);
  },
);
