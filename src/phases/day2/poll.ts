/**
 * Waiting on AWS: poll a probe until it yields a value, honouring the run's abort signal and a deadline.
 * The SDK waiters cannot be cancelled from a step's signal and hide the last state on timeout; this says
 * what it waited for and what it saw last.
 */
import { CancelledError, ExternalError } from '../../errors.js';

export interface PollOptions {
  signal: AbortSignal;
  /** @default 15000 */
  intervalMs?: number;
  timeoutMs: number;
  /** e.g. `rds:DescribeDBClusters` — the operation named in the timeout error. */
  operation: string;
  /** What is being waited for, e.g. `cluster coder-restore-test-… available`. */
  what: string;
  resource?: string;
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new CancelledError());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new CancelledError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Call `probe` until it returns `{ done: true, value }`. `probe` may throw to stop early (e.g. a resource
 * entered a failed state). The last observed state goes into the timeout error.
 */
export async function pollUntil<T>(
  probe: () => Promise<{ done: true; value: T } | { done: false; state: string }>,
  options: PollOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let last = 'unknown';
  for (;;) {
    if (options.signal.aborted) throw new CancelledError();
    const result = await probe();
    if (result.done) return result.value;
    last = result.state;
    if (Date.now() >= deadline) {
      throw new ExternalError(
        'aws',
        options.operation,
        `timed out after ${Math.round(options.timeoutMs / 60000)} min waiting for ${options.what} (last state: ${last})`,
        {
          ...(options.resource ? { resource: options.resource } : {}),
          nextSteps: ['Check the resource in the AWS console, then re-run the same command to resume.'],
        },
      );
    }
    await sleep(options.intervalMs ?? 15000, options.signal);
  }
}
