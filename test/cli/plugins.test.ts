/**
 * oclif's own plugins on the built CLI: `help` (@oclif/plugin-help), "is not a command" with the list hint and
 * no prompt without a terminal (@oclif/plugin-not-found), shell completion (@oclif/plugin-autocomplete); and
 * the closest flag suggested for a mistyped one.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './helpers.js';

const home = mkdtempSync(join(tmpdir(), 'cp-ac-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
// Autocomplete writes its cache under XDG_CACHE_HOME; keep it out of the real home.
const acEnv = { HOME: home, XDG_CACHE_HOME: join(home, '.cache') };

describe('oclif plugins', () => {
  it('`help` lists the topics and commands, `help day2 upgrade` shows that command', () => {
    const root = cli(['help']);
    expect(root.status, root.stderr).toBe(0);
    expect(root.stdout).toMatch(/TOPICS[\s\S]*day2\s+operate a running deployment/);
    expect(root.stdout).toMatch(/COMMANDS[\s\S]*status\s+show the deployment/);
    const upgrade = cli(['help', 'day2', 'upgrade']);
    expect(upgrade.status, upgrade.stderr).toBe(0);
    expect(upgrade.stdout).toMatch(/USAGE\s+\$ coder-platform day2 upgrade/);
    expect(upgrade.stdout).toContain('--coder-version');
  });

  it.each([{}, { CI: 'true' }])(
    'a mistyped command without a terminal names it and exits 127 without prompting (%o)',
    (env) => {
      const r = cli(['statsu'], { env });
      expect(r.signal).toBeNull(); // not killed by the helper's timeout: nothing waited for an answer
      expect(r.status).toBe(127);
      expect(r.stderr).toMatch(/statsu is not a coder-platform command/);
      expect(r.stderr).toMatch(/Run coder-platform help for a list of available commands/);
      expect(r.stdout).not.toMatch(/Did you mean/);
    },
  );

  it('a mistyped flag gets the closest flag of that command as a suggestion (exit 2)', () => {
    const r = cli(['config', 'show', '--regoin', 'eu-west-1']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Nonexistent flag: --regoin/);
    expect(r.stderr).toContain('Did you mean --region (instead of --regoin)?');
    const far = cli(['status', '--frobnicate']);
    expect(far.status).toBe(2);
    expect(far.stderr).not.toContain('Did you mean');
  });

  it('`autocomplete bash` sets up completion that completes commands and flags in bash', () => {
    const setup = cli(['autocomplete', 'bash'], { env: acEnv });
    expect(setup.status, setup.stderr).toBe(0);
    expect(setup.stdout).toContain('coder-platform autocomplete script bash');
    const script = cli(['autocomplete', 'script', 'bash'], { env: acEnv });
    expect(script.status, script.stderr).toBe(0);
    const setupFile = /CODER_PLATFORM_AC_BASH_SETUP_PATH=(\S+)/.exec(script.stdout)?.[1];
    expect(setupFile).toBeDefined();
    expect(readFileSync(setupFile!, 'utf8')).toContain('coder-platform.bash');
    // Source the generated completion as bash would and ask it to complete `coder-platform sta` and a flag.
    const complete = (words: string) =>
      spawnSync(
        'bash',
        [
          '-c',
          `source ${setupFile}; COMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); COMP_LINE="${words}"; _coder-platform_autocomplete; echo "\${COMPREPLY[@]}"`,
        ],
        {
          encoding: 'utf8',
          env: { ...process.env, ...acEnv },
        },
      ).stdout.trim();
    expect(complete('coder-platform sta').split(' ')).toContain('status');
    expect(complete('coder-platform status --conf').split(' ')).toContain('--config');
  });
});
