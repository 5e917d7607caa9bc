/** The `status` command end to end in-process: config → state directory → journal → --json / human view. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import Status, { type StatusResult } from '../../src/commands/status.js';
import { RecordingHost } from '../../src/engine/host.js';
import { runPhase } from '../../src/engine/run-phase.js';
import { projectRoot, tempDir } from './helpers.js';

const config =
  'apiVersion: coder-platform/v1\nprofile: mvp-500\ndeployment:\n  name: acme\ndns:\n  domain: example.com\ncoder:\n  admin:\n    email: admin@example.com\n';

async function capture(argv: string[]): Promise<string> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  });
  // oclif prints the --json result with console.log, the human view goes to process.stdout.
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    out += `${args.join(' ')}\n`;
  });
  try {
    await Status.run(argv, projectRoot);
  } finally {
    spy.mockRestore();
    log.mockRestore();
  }
  return out;
}

describe('coder-platform status', () => {
  afterEach(() => vi.restoreAllMocks());

  it('reads the deployment named in the config and prints the journal as JSON or for a person', async () => {
    const dir = tempDir();
    const file = join(dir, 'coder-platform.yaml');
    writeFileSync(file, config);
    const stateDir = join(dir, 'state');
    await runPhase(
      {
        name: 'preflight',
        version: 1,
        steps: [{ id: 'quotas', title: 'Quotas', run: async () => ({ kubernetesVersion: '1.34' }) }],
      },
      undefined,
      {
        deployment: 'acme',
        stateDir,
        command: 'coder-platform preflight',
        host: new RecordingHost(),
      },
    );

    const json = JSON.parse(await capture(['--config', file, '--state-dir', stateDir, '--json'])) as StatusResult;
    expect(json.deployment).toBe('acme');
    expect(json.phases).toEqual([
      expect.objectContaining({
        name: 'preflight',
        status: 'succeeded',
        steps: [expect.objectContaining({ id: 'quotas', status: 'done', attempts: 1 })],
      }),
    ]);
    expect(json.versions).toEqual({ kubernetes: '1.34' });
    expect(json.nextCommand).toBe(`coder-platform day0 deploy --config ${file} --state-dir ${stateDir}`);

    const human = await capture(['--config', file, '--state-dir', stateDir]);
    expect(human).toContain('Deployment acme');
    expect(human).toMatch(/✔ quotas Quotas done/);
    expect(human).toContain(`coder-platform day0 deploy --config ${file}`);
  });
});
