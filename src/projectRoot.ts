import path from "node:path";

/** The checkout memvault runs from: migrations/, tasks/, sql/ and deploy/ are found beside src/. */
export const PROJECT_ROOT = path.resolve(import.meta.dirname, "..");
