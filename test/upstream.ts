/**
 * Where tests find the upstream Coder files they check against (the API's swagger.json, the Helm charts'
 * values and golden renders, the database schema dump.sql): ONE setting, CODER_UPSTREAM_DIR, defaulting to
 * `../shared/coder` beside the project. The directory may have either layout:
 *  - the curated copy (`swagger.json`, `helm/<chart>/testdata/`, `database/dump.sql`, as in ../shared/coder), or
 *  - a plain checkout of github.com/coder/coder (`coderd/apidoc/swagger.json`, `helm/<chart>/tests/testdata/`,
 *    `coderd/database/dump.sql`) at UPSTREAM_COMMIT.
 * Without the files, the tests that need them skip (describeUpstream) with a line saying what to check out
 * and how to point at it — except in CI (CI=true), where a missing directory is an error, never a skip.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, type TestFunction } from 'vitest';

/** The upstream commit the project's contracts were checked against (../shared/coder/VERSION.md). */
export const UPSTREAM_COMMIT = 'e751b285ca7561d62fcb8ea51ceee05efd59779f';
export const UPSTREAM_ENV = 'CODER_UPSTREAM_DIR';
/** Every skipped-for-upstream line starts with this, so a CI log can be searched for it. */
export const UPSTREAM_SKIP_MARKER = 'UPSTREAM FILES MISSING';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Each upstream file a test reads: its path in the curated copy, then in a coder/coder checkout. */
const LAYOUTS = {
  swagger: ['swagger.json', 'coderd/apidoc/swagger.json'],
  dumpSql: ['database/dump.sql', 'coderd/database/dump.sql'],
  coderChart: ['helm/coder', 'helm/coder'],
  provisionerChart: ['helm/provisioner', 'helm/provisioner'],
  coderTestdata: ['helm/coder/testdata', 'helm/coder/tests/testdata'],
  provisionerTestdata: ['helm/provisioner/testdata', 'helm/provisioner/tests/testdata'],
} as const;
export type UpstreamFile = keyof typeof LAYOUTS;

export interface Upstream {
  /** The directory the setting resolves to (absolute). */
  dir: string;
  /** Where it came from: the variable or the default. */
  source: 'env' | 'default';
  /** The upstream files that are not there (empty when every one is). */
  missing: UpstreamFile[];
}

/** Resolves the setting against an environment (process.env by default). */
export function resolveUpstream(env: NodeJS.ProcessEnv = process.env, root = projectRoot): Upstream {
  const fromEnv = env[UPSTREAM_ENV]?.trim();
  const dir = path.resolve(root, fromEnv || '../shared/coder');
  const missing = (Object.keys(LAYOUTS) as UpstreamFile[]).filter((f) =>
    LAYOUTS[f].every((rel) => !existsSync(path.join(dir, rel))),
  );
  return { dir, source: fromEnv ? 'env' : 'default', missing };
}

/** What to do when the files are missing: the commit to check out and how to point at it. */
export function missingMessage(u: Upstream): string {
  return [
    `${UPSTREAM_SKIP_MARKER}: ${u.missing.join(', ')} not found in ${u.dir} (${u.source === 'env' ? UPSTREAM_ENV : `default; set ${UPSTREAM_ENV}`}).`,
    `  The tests that check against Coder's API spec, Helm charts and database schema need github.com/coder/coder at commit ${UPSTREAM_COMMIT}:`,
    `    git clone https://github.com/coder/coder && git -C coder checkout ${UPSTREAM_COMMIT}`,
    `    ${UPSTREAM_ENV}=$PWD/coder npm test`,
    `  (or place the curated copy at ../shared/coder beside this project). In CI (CI=true) missing files fail the run.`,
  ].join('\n');
}

export const isCi = (env: NodeJS.ProcessEnv = process.env) => env.CI === 'true' || env.CI === '1';

export const upstream = resolveUpstream();

/** Absolute path of one upstream file or directory, in whichever layout the directory has. */
export function upstreamPath(file: UpstreamFile): string {
  const [curated, checkout] = LAYOUTS[file];
  const inCheckout = path.join(upstream.dir, checkout);
  return !existsSync(path.join(upstream.dir, curated)) && existsSync(inCheckout)
    ? inCheckout
    : path.join(upstream.dir, curated);
}

/**
 * `describe` for tests that read upstream files: skipped (named, with the reason in its title) when the files
 * are missing, except in CI where the missing files are an error.
 */
export function describeUpstream(name: string, fn: () => void): void {
  if (upstream.missing.length === 0) {
    describe(name, fn);
    return;
  }
  if (isCi()) throw new Error(missingMessage(upstream));
  describe.skip(`${name} [skipped: ${UPSTREAM_SKIP_MARKER}, see ${UPSTREAM_ENV}]`, fn);
}

/** `it` for one test that reads upstream files, inside a describe whose other tests do not: same rules. */
export function itUpstream(name: string, fn: TestFunction, timeout?: number): void {
  if (upstream.missing.length === 0) return it(name, fn, timeout);
  if (isCi()) throw new Error(missingMessage(upstream));
  it.skip(`${name} [skipped: ${UPSTREAM_SKIP_MARKER}, see ${UPSTREAM_ENV}]`, fn, timeout);
}
