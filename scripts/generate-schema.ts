/**
 * Writes schema/*.json from the zod schemas (src/config/json-schema.ts).
 * Usage: npx tsx scripts/generate-schema.ts [--check]   (--check exits 1 when a file is stale)
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderJsonSchemas } from '../src/config/json-schema.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
let stale = 0;
await mkdir(join(root, 'schema'), { recursive: true });
for (const [file, text] of renderJsonSchemas()) {
  const path = join(root, 'schema', file);
  const current = await readFile(path, 'utf8').catch(() => '');
  if (current === text) continue;
  if (check) {
    stale += 1;
    process.stderr.write(`schema/${file} is stale: run npx tsx scripts/generate-schema.ts\n`);
  } else {
    await writeFile(path, text);
    process.stdout.write(`wrote schema/${file}\n`);
  }
}
process.exitCode = stale > 0 ? 1 : 0;
