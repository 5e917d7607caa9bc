/**
 * vitest globalSetup, once per run before any test file:
 *  - the upstream Coder files (test/upstream.ts): a visible line, at the start and again at the end, when
 *    they are missing and their tests skip; in CI (CI=true) the run fails instead;
 *  - dist/ (tsc output and the fast-path bundle) for the tests that run the built bin/run.js: built once here when a source is newer than its
 *    output (so `npm test`, which has just built, does not build again, and no test file builds on its own).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isCi, missingMessage, resolveUpstream } from './upstream.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The .ts sources tsconfig.build.json compiles whose dist/ output is missing or older than the source. */
export function staleSources(projectRoot = root): string[] {
  const stale: string[] = [];
  const bundle = path.join(projectRoot, 'dist/fast-path.js');
  const bundleTime = existsSync(bundle) ? statSync(bundle).mtimeMs : 0;
  const walk = (rel: string): void => {
    for (const entry of readdirSync(path.join(projectRoot, rel), { withFileTypes: true })) {
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'cdk.out') walk(child);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !entry.name.endsWith('.test.ts')) {
        const out = path.join(projectRoot, 'dist', child.replace(/\.ts$/, '.js'));
        const source = statSync(path.join(projectRoot, child)).mtimeMs;
        if (!existsSync(out) || statSync(out).mtimeMs < source || (child.startsWith('src') && bundleTime < source))
          stale.push(child);
      }
    }
  };
  for (const dir of ['src', 'assets/cdk']) walk(dir);
  return stale;
}

/**
 * `npm run build`'s two steps when dist/ is stale: tsc, then the fast-path bundle (dist/fast-path.js). tsc emits
 * despite type errors elsewhere (typecheck reports those), so its exit status is not what decides.
 */
export function buildDistIfStale(projectRoot = root): void {
  const stale = staleSources(projectRoot);
  if (stale.length === 0) return;
  console.log(`building dist/ once for the built-CLI tests (${stale.length} source(s) newer than their output)`);
  spawnSync(
    process.execPath,
    [path.join(projectRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    { cwd: projectRoot, stdio: 'ignore' },
  );
  const bundle = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bundle-fast-path.ts'], {
    cwd: projectRoot,
    encoding: 'utf8',
  });
  if (bundle.status !== 0) throw new Error(`scripts/bundle-fast-path.ts failed: ${bundle.stderr}`);
  const still = staleSources(projectRoot);
  if (still.length > 0) throw new Error(`tsc -p tsconfig.build.json did not emit ${still.slice(0, 5).join(', ')}`);
}

export default function setup(): () => void {
  const upstream = resolveUpstream();
  const missing = upstream.missing.length > 0;
  if (missing && isCi()) throw new Error(missingMessage(upstream));
  if (missing) console.warn(`\n${missingMessage(upstream)}\n`);
  buildDistIfStale();
  return () => {
    if (missing) console.warn(`\n${missingMessage(upstream)}\n`);
  };
}
