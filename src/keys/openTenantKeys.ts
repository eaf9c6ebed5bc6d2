// The configured KEK provider, erasure ledger and data-key cache, as one TenantKeys. Opening
// a PKCS#11 provider logs in and finds its key: a wrong PIN or a missing key stops the
// start here, with its code.
import { readKekConfig, type KekConfig } from "../config/kekConfig.ts";
import { unsetLedger, type ErasureLedger } from "../crypto/erasureLedger.ts";
import { createFileErasureLedger } from "../crypto/fileErasureLedger.ts";
import type { Kek } from "../crypto/kek.ts";
import type { KeyringProvider } from "../crypto/keyringProvider.ts";
import { createKeyringKek } from "../crypto/keyringKek.ts";
import { createPkcs11Kek } from "../crypto/pkcs11Kek.ts";
import { createTokenErasureLedger } from "../crypto/tokenErasureLedger.ts";
import { createTenantKeys, type TenantKeys } from "./tenantKeys.ts";

export function openKek(keyrings: KeyringProvider, config: KekConfig = readKekConfig()): Kek {
  return config.provider === "pkcs11" ? createPkcs11Kek(config.pkcs11) : createKeyringKek(() => keyrings.current());
}

export function openErasureLedger(config: KekConfig = readKekConfig()): ErasureLedger {
  if (config.ledgerFile) return createFileErasureLedger(config.ledgerFile);
  return config.provider === "pkcs11" ? createTokenErasureLedger(config.pkcs11) : unsetLedger;
}

export function openTenantKeys(keyrings: KeyringProvider, config: KekConfig = readKekConfig()): TenantKeys {
  return createTenantKeys({ kek: openKek(keyrings, config), ledger: openErasureLedger(config), keyrings, cacheSize: config.cacheSize, cacheTtlMs: config.cacheTtlMs });
}
