// Every generated document, by path: what `npm run docs` writes and its check compares.
import { configurationReference } from "./configurationReference.ts";

export function generatedDocuments(): Record<string, string> {
  return {
    "docs/configuration.md": configurationReference() + "\n",
  };
}
