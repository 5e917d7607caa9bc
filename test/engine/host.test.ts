/** Host selection, confirmation policy and the line renderer's progress lines. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { createHost } from '../../src/ui/host.js';
import { LineHost } from '../../src/ui/renderers/line.js';
import { askOnTerminal } from '../../src/ui/renderers/prompt.js';

const base = { json: false, nonInteractive: false, yes: false, verbose: false };

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => {
    text += d.toString();
  });
  return { stream, text: () => text };
}

describe('createHost', () => {
  it('picks silent JSON, plain lines for CI / dumb terminals / pipes, and the task list only on a real terminal', () => {
    expect(createHost({ ...base, json: true }, {}, true).kind).toBe('json');
    expect(createHost(base, { CI: 'true' }, true).kind).toBe('lines');
    expect(createHost(base, { TERM: 'dumb' }, true).kind).toBe('lines');
    expect(createHost(base, {}, false).kind).toBe('lines');
    expect(createHost(base, { TERM: 'xterm-256color' }, true).kind).toBe('tty');
  });

  it('approves with --yes and refuses without a terminal, naming --yes', async () => {
    const request = { code: 'DAY0_SECURITY_CHANGES', message: 'Apply IAM changes?' };
    for (const env of [{ CI: 'true' }, {}]) {
      expect(await createHost({ ...base, yes: true, nonInteractive: true }, env, true).confirm(request)).toBe(true);
      const error = await createHost({ ...base, nonInteractive: true }, env, true)
        .confirm(request)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).nextSteps.join(' ')).toContain('--yes');
    }
    await expect(createHost({ ...base, json: true }, {}, true).confirm(request)).rejects.toThrow(/no terminal/);
  });
});

describe('askOnTerminal', () => {
  const answer = async (typed: string, typeToConfirm?: string): Promise<boolean> => {
    const input = new PassThrough();
    const out = sink();
    const pending = askOnTerminal(
      { code: 'X', message: 'Destroy demo?', ...(typeToConfirm === undefined ? {} : { typeToConfirm }) },
      { input, output: out.stream },
    );
    setTimeout(() => input.write(`${typed}\n`), 30);
    const result = await pending;
    expect(out.text()).toContain('Destroy demo?');
    return result;
  };

  it('requires the exact text for typeToConfirm and defaults a plain question to no', async () => {
    expect(await answer('demo', 'demo')).toBe(true);
    expect(await answer('dem', 'demo')).toBe(false);
    expect(await answer('y')).toBe(true);
    expect(await answer('')).toBe(false);
  });
});

describe('LineHost', () => {
  it('prints elapsed time and ETA for running steps as plain lines, and stops when they end', async () => {
    const out = sink();
    const host = new LineHost({ ...base, stream: out.stream, heartbeatMs: 25 });
    host.emit({
      level: 'info',
      code: 'ENGINE_STEP_START',
      stepId: 'cluster',
      message: 'started',
      data: { title: 'Deploy cluster stack', attempt: 1, expectedSeconds: 900 },
    });
    await new Promise((r) => setTimeout(r, 80));
    host.emit({
      level: 'info',
      code: 'ENGINE_STEP_END',
      stepId: 'cluster',
      message: 'done',
      data: { title: 'Deploy cluster stack', status: 'done', reason: 'run', durationMs: 80 },
    });
    const atEnd = out.text();
    await new Promise((r) => setTimeout(r, 80));
    await host.close();
    expect(atEnd).toMatch(/Deploy cluster stack \[cluster\], expected ~15m 00s/);
    expect(atEnd).toMatch(/Deploy cluster stack \[cluster\] still running \(elapsed \d+ms, ETA ~1[45]m \d\ds\)/);
    expect(atEnd).toMatch(/ok Deploy cluster stack \(80ms\)/);
    expect(out.text()).toBe(atEnd); // no heartbeat after the step ended
    expect(atEnd).not.toMatch(new RegExp(String.raw`\x1b\[`));
  });
});
