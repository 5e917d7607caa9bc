import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { screen } from '@inquirer/testing/vitest';
import { describe, expect, it } from 'vitest';
import { runInit } from '../../src/services/init/wizard.js';
import { createTerminalPrompter } from '../../src/ui/prompts/init-prompter.js';

/** Answer the current prompt once it shows `expected`. */
async function answer(expected: RegExp, keys: () => void): Promise<void> {
  for (let i = 0; i < 20 && !expected.test(screen.getScreen()); i += 1)
    await Promise.race([screen.next(), new Promise((r) => setTimeout(r, 250))]);
  expect(screen.getScreen()).toMatch(expected);
  keys();
}
const enter = () => screen.keypress('enter');
const type = (text: string) => () => {
  screen.type(text);
  screen.keypress('enter');
};

describe('the real @inquirer prompts drive the wizard (mvp-500, mostly defaults)', () => {
  it('asks each question with its default, masks the secret reference, shows a summary and writes', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'init-tty-')), 'coder-platform.yaml');
    const done = runInit({ path, given: {}, force: false, prompter: createTerminalPrompter() });
    await answer(/Deployment name/, type('acme-dev'));
    await answer(/AWS profile/, enter);
    await answer(/AWS region/, enter);
    await answer(/Platform shape/, enter); // mvp-500 is the default
    await answer(/Domain/, type('dev.example.co.uk'));
    await answer(/Subdomain/, enter);
    await answer(/TLS certificate/, enter);
    await answer(/reach the Kubernetes API/, enter); // empty: private endpoint only
    await answer(/CloudTrail/, enter);
    await answer(/Single sign-on/, () => {
      screen.keypress('up'); // default skip → configure
      enter();
    });
    await answer(/OIDC issuer URL/, type('https://login.example.com/tenant/v2.0'));
    await answer(/OIDC client id/, type('coder-app'));
    await answer(/OIDC client secret reference/, () => {
      screen.type('notasecretref');
      screen.keypress('enter');
    });
    await answer(/never the secret itself/, () => {
      for (let i = 0; i < 'notasecretref'.length; i += 1) screen.keypress('backspace');
      screen.type('env:OIDC_SECRET');
      expect(screen.getScreen()).not.toContain('env:OIDC_SECRET');
      screen.keypress('enter');
    });
    await answer(/Coder version/, enter);
    await answer(/Templates to publish/, enter);
    await answer(/business hours/, enter);
    await answer(/time zone/, enter);
    await answer(/Scale up at/, enter);
    await answer(/Scale down at/, enter);
    await answer(/Recovery time objective/, enter);
    await answer(/Recovery point objective/, enter);
    await answer(/Restore test cadence/, enter);
    await answer(/Write .*coder-platform\.yaml\?/, enter);
    const result = await done;
    expect(result.host).toBe('coder.dev.example.co.uk');
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('name: acme-dev');
    expect(text).toContain('clientSecret: env:OIDC_SECRET');
    expect(await screen.getFullOutput()).not.toContain('env:OIDC_SECRET');
  });

  it('custom: number prompts for the count and the suggested node maximum, checkbox for templates', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'init-tty-')), 'coder-platform.yaml');
    const done = runInit({
      path,
      given: { name: 'custom-one', awsProfile: '', region: 'us-east-1' },
      force: false,
      prompter: createTerminalPrompter(),
    });
    await answer(/Platform shape/, () => {
      screen.keypress('down');
      screen.keypress('down');
      enter();
    });
    await answer(/Concurrent workspaces/, () => {
      screen.keypress('backspace');
      screen.keypress('backspace');
      screen.keypress('backspace');
      screen.type('800');
      enter();
    });
    await answer(/Workspace size mix/, type(''));
    await answer(/Workspace node group maximum/, () => {
      // The suggestion for 800 workspaces in the mvp-500 mix, offered as the default
      expect(screen.getScreen()).toMatch(/\(32\)/);
      enter();
    });
    await answer(/Domain/, type('example.com'));
    await answer(/Subdomain/, enter);
    await answer(/TLS certificate/, enter);
    await answer(/reach the Kubernetes API/, enter); // empty: private endpoint only
    await answer(/CloudTrail/, enter);
    await answer(/Single sign-on/, enter);
    await answer(/Coder version/, enter);
    await answer(/Templates to publish/, () => {
      screen.keypress('down');
      screen.keypress('space'); // add ec2-windev-gui to the preselected pod-swdev
      enter();
    });
    await answer(/business hours/, () => {
      screen.type('n');
      enter();
    });
    await answer(/Recovery time objective/, enter);
    await answer(/Recovery point objective/, enter);
    await answer(/Restore test cadence/, enter);
    await answer(/Write .*\?/, enter);
    await done;
    const text = readFileSync(path, 'utf8');
    expect(text).toMatch(/concurrent: 800/);
    expect(text).toMatch(/maxSize: 32/);
    expect(text).toMatch(/templates:\n\s+- pod-swdev\n\s+- ec2-windev-gui/);
    expect(text).toMatch(/schedule:\n\s+enabled: false/);
  });
});

describe('yes/no confirmations take only y or n', () => {
  it('re-asks an unclear answer instead of counting it as No', async () => {
    const { askYesNo } = await import('../../src/ui/prompts/yes-no.js');
    const pending = askYesNo('Write coder-platform.yaml?', true);
    await answer(/Write coder-platform\.yaml\? \(Y\/n\)/, type('maybe'));
    await answer(/Answer y or n\./, () => {
      for (let i = 0; i < 'maybe'.length; i += 1) screen.keypress('backspace');
      screen.type('n');
      enter();
    });
    expect(await pending).toBe(false);
  });

  it('parseYesNo: y/yes/n/no in any case, Enter is the default, anything else is unclear', async () => {
    const { parseYesNo } = await import('../../src/ui/prompts/yes-no.js');
    expect(['y', 'YES', ' Yes '].map((t) => parseYesNo(t, false))).toEqual([true, true, true]);
    expect(['n', 'No', 'NO'].map((t) => parseYesNo(t, true))).toEqual([false, false, false]);
    expect([parseYesNo('', true), parseYesNo('', false)]).toEqual([true, false]);
    expect(['maybe', 'yess', 'nah', 'ja', '1'].map((t) => parseYesNo(t, false))).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
