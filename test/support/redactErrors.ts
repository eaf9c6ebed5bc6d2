// Vitest prints an unhandled error with every field it carries. pg attaches the client to
// some errors (err.client), and a client's fields hold its connection's password: such a
// run would print credentials into CI logs. The error still fails the run; it is printed
// by its name, message, code, where and stack only.
const KEEP = new Set(["name", "message", "stack", "stacks", "code", "severity", "where", "detail", "hint", "routine", "type", "nameStr", "VITEST_TEST_NAME", "VITEST_TEST_PATH", "VITEST_AFTER_ENV_TEARDOWN"]);
const URL_PASSWORD = /(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/g;

export function redactError(error: unknown): void {
  if (typeof error !== "object" || error === null) return;
  const fields = error as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!KEEP.has(key)) {
      delete fields[key];
      continue;
    }
    if (typeof fields[key] === "string") fields[key] = (fields[key] as string).replace(URL_PASSWORD, "$1***@");
  }
}
