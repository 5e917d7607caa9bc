/**
 * `npm run build`, second step: bundle the start-up fast path (src/cli/fast-path.ts with everything it loads:
 * the config loader, zod, yaml, the status reader and views) into one file, dist/fast-path.js, and @oclif/core
 * for the root help into dist/oclif-bundle.js. Node 20 spends most of these commands' start-up resolving and
 * compiling a hundred or more separate modules; one file each removes that.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  // Smaller source is less for V8 to parse at every start; a failure falls back to the unbundled path.
  minify: true,
  // yaml and oclif are CommonJS and require Node built-ins; an ES module bundle needs a real `require` for them.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
} as const;
// The AWS SDK is only ever imported dynamically (status with the s3 state backend): left to node_modules, it is
// read only by the runs that need it instead of being parsed at every start.
await build({
  ...common,
  entryPoints: ['src/cli/fast-path.ts'],
  outfile: 'dist/fast-path.js',
  external: ['@aws-sdk/*', '@smithy/*'],
});
// oclif loads TypeScript support only for development trees; leave those to node_modules.
await build({
  ...common,
  entryPoints: ['src/cli/oclif-bundle.ts'],
  outfile: 'dist/oclif-bundle.js',
  external: ['typescript', 'ts-node', 'tsx'],
});
