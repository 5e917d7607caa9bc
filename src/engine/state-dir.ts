/**
 * Where a deployment keeps its journal, lock and reports: `.coder-platform/<deployment>/` relative to the
 * working directory, or `--state-dir` / CODER_PLATFORM_STATE_DIR when given.
 */
import { resolve } from 'node:path';

/** The state directory of one deployment, as an absolute path. */
export function stateDirFor(override: string | undefined, deployment: string): string {
  if (override !== undefined && override.trim() !== '') return resolve(override);
  return resolve('.coder-platform', deployment);
}
