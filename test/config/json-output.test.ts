/**
 * The `--json` document is written for any size of message. oclif's default logJson colorizes the JSON
 * with regular expressions that overflow the stack on a string of ~13 MB (what a 5 MB file of problems
 * once produced), leaving no JSON at all; BaseCommand writes plain JSON instead.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BaseCommand } from '../../src/base-command.js';

class Probe extends BaseCommand<typeof Probe> {
  async run(): Promise<void> {}
}

afterEach(() => vi.restoreAllMocks());

describe('--json output', () => {
  it('a 13 MB message still becomes one parseable JSON document on stdout', () => {
    const message = Array.from(
      { length: 130_000 },
      (_, i) => `  big.yaml:${i}:3 coder.step${i}: unknown key "step${i}" (for example: remove it)`,
    ).join('\n');
    let written = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written += String(chunk);
      return true;
    });
    const command = Object.assign(Object.create(Probe.prototype) as Probe, { config: { theme: undefined } });
    command.logJson({ error: { kind: 'config', message } });
    vi.restoreAllMocks();
    expect((JSON.parse(written) as { error: { message: string } }).error.message).toBe(message);
  });
});
