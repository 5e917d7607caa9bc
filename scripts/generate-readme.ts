/**
 * Regenerates the command reference (from oclif.manifest.json) and the config reference (from the
 * JSON Schema) inside README.md. Usage: npm run build && npx oclif manifest && npx tsx scripts/generate-readme.ts
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderReadme, type Manifest } from './readme-sections.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = await readFile(join(root, 'README.md'), 'utf8');
const manifest = JSON.parse(await readFile(join(root, 'oclif.manifest.json'), 'utf8')) as Manifest;
const next = renderReadme(readme, manifest);
if (next === readme) process.stdout.write('README.md is up to date\n');
else {
  await writeFile(join(root, 'README.md'), next);
  process.stdout.write('wrote README.md\n');
}
