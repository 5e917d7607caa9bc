/**
 * `npm run build`, second step: bundle the start-up fast path (src/cli/fast-path.ts with everything it loads:
 * the config loader, zod, yaml, the status reader and views) into one file, dist/fast-path.js. Node 20 spends
 * most of these commands' start-up resolving and compiling ~120 separate modules; one file removes that.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/fast-path.ts'],
  outfile: 'dist/fast-path.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  // Smaller source is less for V8 to parse at every start; a failure here falls back to oclif's unbundled path.
  minify: true,
  // yaml is CommonJS and requires Node built-ins; an ES module bundle needs a real `require` for them.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});
