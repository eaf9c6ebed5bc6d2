// A stream lives no longer than the token that opened it: `onExpiry` runs at the token's exp
// (seconds since the epoch). setTimeout holds at most 2^31-1 ms (about 24.8 days) and fires at
// once beyond it, so a long-lived token's wait is taken in steps.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Runs onExpiry at exp; returns the cancel. */
export function whenTokenExpires(exp: number, onExpiry: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const left = exp * 1000 - Date.now();
    if (left <= 0) return void onExpiry();
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}
