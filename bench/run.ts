/**
 * `npm run bench`: runs every bench/*.bench.ts in turn. Each prints its own figures as ratios against a
 * baseline measured in the same run (never absolute timings compared with a constant).
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv[2];
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts') && (!only || f.includes(only)))
  .sort();
let failed = 0;
for (const file of files) {
  console.log(`\n== ${file}`);
  try {
    execFileSync(process.execPath, ['--import', 'tsx', join(here, file)], {
      stdio: 'inherit',
      env: { ...process.env, CDK_VALIDATION: 'false', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
  } catch {
    failed += 1;
    console.log(`!! ${file} failed`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
