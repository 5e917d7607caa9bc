#!/usr/bin/env node
// The SDK's "Node 22 will be required" notice is about SDK releases after January 2027; this package pins
// SDK versions that support Node 20, so the notice would only be noise on every command.
import { URL } from 'node:url';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const args = process.argv.slice(2);
const root = new URL('../', import.meta.url);
if (args.length === 1 && args[0] === '--version') {
  // `--version` alone needs nothing of oclif: print its exact format (name/version platform-arch node-version)
  // without loading @oclif/core, which alone costs more start-up time than the rest of the CLI.
  const { readFileSync } = await import('node:fs');
  const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
  process.stdout.write(`${pkg.name}/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`);
} else if (!(await runWithoutOclif(args))) {
  // The root help (no arguments, or --help alone) needs only manifests: oclif bundled in one file loads faster.
  const rootHelp =
    (args.length === 0 || (args.length === 1 && args[0] === '--help')) &&
    process.env.CODER_PLATFORM_NO_FAST_PATH !== '1';
  const { execute } = await import(rootHelp ? '../dist/oclif-bundle.js' : '@oclif/core');
  await execute({ dir: import.meta.url });
}

/** The everyday offline commands (status, config validate/show) without oclif: src/cli/fast-path.ts, bundled. */
async function runWithoutOclif(argv) {
  if (process.env.CODER_PLATFORM_NO_FAST_PATH === '1' || !['status', 'config'].includes(argv[0])) return false;
  const { runEveryday } = await import('../dist/fast-path.js');
  return runEveryday(argv, root);
}
