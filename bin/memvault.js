#!/usr/bin/env node
// npx memvault: runs the CLI under the project's Node (>= 22.18, type stripping).
import "../src/cli/main.ts";
