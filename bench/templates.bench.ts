/**
 * Cost of composing the four Day 1 templates (contract check, composition, deterministic tar, sha256),
 * which the templates step does on every probe and run, against a baseline measured in the same run:
 * reading the same asset files from disk without composing them.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseConfigText } from '../src/config/load.js';
import { loadTemplateAssets } from '../src/phases/day1/templates/assets.js';
import { composeTemplate } from '../src/phases/day1/templates/compose.js';
import { assertPairings } from '../src/phases/day1/templates/contract.js';

const config = parseConfigText(
  'apiVersion: coder-platform/v1\nprofile: scale-3000\ndns: { domain: example.com }\ncoder: { admin: { email: ops@example.com } }\n',
  undefined,
);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const time = async (fn: () => Promise<unknown>): Promise<number> => {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
};

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await files(full)));
    else out.push(full);
  }
  return out;
}

const root = (await loadTemplateAssets()).root;
const all = await files(root);
const baseline: number[] = [];
const compose: number[] = [];
let bytes = 0;
for (let i = 0; i < 9; i += 1) {
  baseline.push(await time(async () => Promise.all(all.map((f) => readFile(f, 'utf8')))));
  compose.push(
    await time(async () => {
      const assets = await loadTemplateAssets();
      assertPairings(assets, config.workspaces.templates);
      bytes = 0;
      for (const name of config.workspaces.templates)
        bytes += (await composeTemplate(assets, config, name)).archive.length;
    }),
  );
}
const b = median(baseline);
const c = median(compose);
console.log(`read ${all.length} asset files: ${b.toFixed(2)} ms (baseline)`);
console.log(
  `compose ${config.workspaces.templates.length} templates (${(bytes / 1024).toFixed(0)} KiB of tar): ${c.toFixed(2)} ms = ${(c / b).toFixed(1)}x the baseline`,
);
