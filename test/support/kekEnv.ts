// The KEK settings a test process runs with (setupFile.ts: the run's SoftHSM2 token, the
// file's own erasure ledger), for the processes it spawns.
const KEK_VARIABLES = ["KEK_PROVIDER", "PKCS11_MODULE", "PKCS11_TOKEN_LABEL", "PKCS11_PIN_FILE", "PKCS11_KEY_LABEL", "SOFTHSM2_CONF", "ERASURE_LEDGER_FILE"] as const;

export function kekEnv(): Record<string, string> {
  return Object.fromEntries(KEK_VARIABLES.flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])));
}

/** Whether this run has its SoftHSM2 token (not where SoftHSM2 crashes at process exit: softHsmExitsCleanly). */
export const PKCS11_SKIP_REASON = "SoftHSM2 crashes a Node 24 process at its exit on this machine (softHsmExitsCleanly): no PKCS#11 token for this run";
