/**
 * Writes schema/users.schema.json from the zod schema in src/phases/day1/users/schema.ts.
 * Usage: npx tsx scripts/generate-users-schema.ts [--check]   (--check exits 1 when the file is stale)
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderUsersJsonSchema } from '../src/phases/day1/users/schema.js';

const file = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'schema', 'users.schema.json');
const text = renderUsersJsonSchema();
const current = await readFile(file, 'utf8').catch(() => '');
if (current !== text) {
  if (process.argv.includes('--check')) {
    process.stderr.write('schema/users.schema.json is stale: run npx tsx scripts/generate-users-schema.ts\n');
    process.exitCode = 1;
  } else {
    await writeFile(file, text);
    process.stdout.write('wrote schema/users.schema.json\n');
  }
}
