import { config } from "../config.ts";
import { parseKeyring, readKeyringFile, type Keyring } from "./keyring.ts";

/** The configured keyring; throws a ConfigError naming the variable when it is unusable. */
export function loadKeyring(): Keyring {
  const source = config.keyringSource();
  const text = "text" in source ? source.text : readKeyringFile(source.variable, source.file);
  return parseKeyring(source.variable, text);
}
