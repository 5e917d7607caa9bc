/**
 * The scripts inside the templates, rendered by Terraform exactly as a workspace build renders them: the cloud-init
 * user data of the Ubuntu EC2 bases passes the real `cloud-init schema`, every shell script (user data scripts,
 * coder_script install scripts, agent startup scripts) passes `shellcheck -S error`, the home volume is found by its
 * EBS id and mounted before the agent starts, and each toolchain's install script ends by checking exactly what its
 * toolchain.yaml lists (which covers the seed's list). terraform, shellcheck and cloud-init come from Debian
 * packages that .ci/run installs; a missing one is a visible skip locally and a failure with CI=true.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { describe, expect, it, vi } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  loadTemplateAssets,
  toolchainInstallSchema,
  type TemplateAssets,
  type ToolchainInstall,
} from '../../src/templates/assets.js';
import { pairingProblems } from '../../src/templates/contract.js';
import { baseModuleFiles, composeTemplate } from '../../src/templates/compose.js';
import { testConfig } from './helpers.js';
import { assertTool, check, requiredTool, renderLocals, type ModuleFile } from './template-render.js';

const terraform = requiredTool('terraform', 'Terraform ≥ 1.5 renders the templates');
const shellcheck = requiredTool('shellcheck', 'apt-get install shellcheck');
const cloudInit = requiredTool('cloud-init', 'apt-get install cloud-init');

const VOLUME_ID = 'vol-0123456789abcdef0';
const AGENT_INIT = '#!/bin/sh\nset -eu\nexec /opt/coder/bin/coder agent\n';
/** Terraform has no value for a managed resource without a cloud: the volume id is given instead. */
const VOLUME_REF = { 'aws_ebs_volume.home[0].id': `"${VOLUME_ID}"` };

function baseInputs(persistent: boolean, instanceType: string): Record<string, unknown> {
  return {
    workspace_name: 'dev',
    workspace_id: '00000000-0000-0000-0000-000000000001',
    owner: 'alice',
    compute_profile: {
      cpu: 8,
      memory: '32Gi',
      storage: '500Gi',
      gpu_count: 0,
      gpu_type: '',
      instance_type: instanceType,
    },
    image_id: '',
    start_count: 1,
    agent_init_script: AGENT_INIT,
    agent_token: 'token-for-tests',
    capabilities: { 'persistent-home': String(persistent), 'network-egress': 'https-only' },
    labels: { 'coder.owner': 'alice' },
    settings: { region: 'us-east-1', deployment: 'acme', subnet_tier: 'workspace' },
  };
}

async function toolchainFiles(assets: TemplateAssets, name: string): Promise<ModuleFile[]> {
  const composed = await composeTemplate(
    assets,
    testConfig(),
    Object.values(assets.pairings).find((p) => p.toolchain === name)!.name,
  );
  return composed.files.filter((f) => f.path.startsWith('toolchain/'));
}

async function renderToolchain(assets: TemplateAssets, name: string, capabilities: Record<string, string>) {
  const files = await toolchainFiles(assets, name);
  return renderLocals(
    assertTool(terraform, 'terraform'),
    files,
    { agent_id: 'agent', owner: 'alice', capabilities },
    ['install_script', 'startup_script'].filter((local) => name !== 'windev' || local === 'install_script'),
  );
}

interface CloudConfig {
  write_files: { path: string; content: string; encoding?: string; permissions?: string }[];
  runcmd: string[];
}
const fileContent = (f: CloudConfig['write_files'][number]) =>
  f.encoding === 'b64' ? Buffer.from(f.content, 'base64').toString('utf8') : f.content;

async function renderUserData(assets: TemplateAssets, base: string, persistent: boolean): Promise<string> {
  const files = await baseModuleFiles(assets, assets.bases[base]!);
  const instanceType = base === 'base-ec2-gpu' ? 'g4dn.4xlarge' : 'm5.2xlarge';
  return (
    await renderLocals(
      assertTool(terraform, 'terraform'),
      files,
      baseInputs(persistent, instanceType),
      ['user_data'],
      VOLUME_REF,
    )
  ).user_data!;
}

const UBUNTU_BASES = ['base-ec2-linux', 'base-ec2-gpu'];

describe('EC2 user data (rendered by Terraform)', () => {
  it.runIf(terraform.run && cloudInit.run)(
    'is valid cloud-config for `cloud-init schema`, with and without a home volume',
    { timeout: 120_000 },
    async () => {
      const assets = await loadTemplateAssets();
      for (const base of UBUNTU_BASES) {
        for (const persistent of [true, false]) {
          const userData = await renderUserData(assets, base, persistent);
          const result = await check(
            assertTool(cloudInit, 'cloud-init'),
            ['schema', '--config-file'],
            userData,
            'user-data.yaml',
          );
          expect(result, `${base} persistent=${persistent}: ${result.output}`).toMatchObject({ ok: true });
          expect(result.output).toContain('Valid cloud-config');
        }
      }
      // The checker does fail on a broken document.
      const broken = await check(
        assertTool(cloudInit, 'cloud-init'),
        ['schema', '--config-file'],
        '#cloud-config\nusers: 5\n',
        'broken.yaml',
      );
      expect(broken.ok).toBe(false);
    },
  );

  it.runIf(terraform.run)(
    'mounts the home volume found by its EBS id before the agent starts, and never formats a device by name',
    { timeout: 120_000 },
    async () => {
      const assets = await loadTemplateAssets();
      const homeScript = await readFile(path.join(assets.root, 'shared', 'ec2', 'coder-home.sh'), 'utf8');
      for (const base of UBUNTU_BASES) {
        const config = parseYaml(await renderUserData(assets, base, true)) as CloudConfig;
        const files = new Map(config.write_files.map((f) => [f.path, fileContent(f)]));
        expect(files.get('/usr/local/sbin/coder-home'), base).toBe(homeScript);
        const unit = files.get('/etc/systemd/system/coder-home.service')!;
        expect(unit).toContain(`ExecStart=/usr/local/sbin/coder-home ${VOLUME_ID} /dev/sdh /home/coder coder`);
        expect(unit).toMatch(/Before=coder-agent\.service/);
        const agent = files.get('/etc/systemd/system/coder-agent.service')!;
        expect(agent).toMatch(/^Requires=coder-home\.service$/m);
        expect(agent).toMatch(/^After=.*coder-home\.service/m);
        expect(agent).not.toContain('token-for-tests'); // the token sits in a 0600 environment file
        expect(config.write_files.find((f) => f.path === '/etc/coder/agent.env')).toMatchObject({
          permissions: '0600',
        });
        expect(config.runcmd).toContain('systemctl enable coder-home.service');
        // No device is addressed by an NVMe name anywhere (user data or the scripts it writes).
        expect([...files.values()].join('\n') + JSON.stringify(config.runcmd)).not.toMatch(/\/dev\/nvme\d/);

        const ephemeral = parseYaml(await renderUserData(assets, base, false)) as CloudConfig;
        const paths = ephemeral.write_files.map((f) => f.path);
        expect(paths).not.toContain('/etc/systemd/system/coder-home.service');
        expect(fileContent(ephemeral.write_files.find((f) => f.path.endsWith('coder-agent.service'))!)).not.toContain(
          'coder-home',
        );
      }
      // The script looks the volume up by the serial EBS gives it (the id without the dash), formats only on blkid's
      // "nothing found" (exit 2) and refuses on any other probe failure.
      expect(homeScript).toContain('/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${serial}');
      expect(homeScript).toContain('serial=${volume_id//-/}');
      expect(homeScript).toMatch(/blkid -p "\$device"[^\n]*\|\| probe=\$\?/);
      expect(homeScript).toMatch(/2\)\n\s+echo[^\n]*\n\s+mkfs\.ext4 -q -L coder-home "\$device"/);
    },
  );
});

describe('Windows user data (rendered by Terraform)', () => {
  it.runIf(terraform.run)('finds the home disk by its EBS volume id and initialises it only while RAW', async () => {
    const assets = await loadTemplateAssets();
    const files = await baseModuleFiles(assets, assets.bases['base-ec2-windows']!);
    const render = async (persistent: boolean) =>
      renderLocals(
        assertTool(terraform, 'terraform'),
        files,
        {
          ...baseInputs(persistent, 'm5.xlarge'),
          capabilities: { 'persistent-home': String(persistent), 'gui-rdp': 'true' },
        },
        ['user_data', 'home_path'],
        VOLUME_REF,
      );
    const persistent = await render(true);
    const script = persistent.user_data!;
    expect(script).toContain(`$serial = "${VOLUME_ID.replace('-', '')}"`);
    expect(script).toMatch(
      /Get-Disk \| Where-Object \{ "\$\(\$_\.SerialNumber\)\|\$\(\$_\.AdapterSerialNumber\)" -like "\*\$serial\*" \}/,
    );
    // The only disk ever initialised is the one found by serial, and only while it has no partition table.
    expect(script.match(/Initialize-Disk/g)).toHaveLength(1);
    expect(script).toMatch(/if \(\$disk\.PartitionStyle -eq "RAW"\) \{\n\s+\$disk \| Initialize-Disk/);
    expect(script).not.toMatch(/Where-Object PartitionStyle -Eq 'RAW'/);
    expect(script.indexOf('$serial = ')).toBeLessThan(script.indexOf('New-Item -ItemType Directory'));
    expect(script.indexOf('New-Item -ItemType Directory')).toBeLessThan(script.indexOf('/opt/coder/bin/coder agent'));
    expect(persistent.home_path).toBe('D:\\Users\\coder');
    const ephemeral = await render(false);
    expect(ephemeral.user_data).toContain('$serial = ""');
    expect(ephemeral.home_path).toBe('C:\\Users\\coder');
  });
});

interface Script {
  name: string;
  content: string;
}

async function shellScripts(assets: TemplateAssets): Promise<Script[]> {
  const scripts: Script[] = [];
  for (const base of UBUNTU_BASES) {
    for (const persistent of [true, false]) {
      const config = parseYaml(await renderUserData(assets, base, persistent)) as CloudConfig;
      for (const file of config.write_files) {
        const content = fileContent(file);
        if (content.startsWith('#!') && file.path !== '/opt/coder/init')
          scripts.push({ name: `${base} user data ${file.path}`, content });
      }
      scripts.push({ name: `${base} user data runcmd`, content: `#!/bin/sh\n${config.runcmd.join('\n')}\n` });
    }
  }
  for (const [name, capabilities] of [
    ['swdev', {}],
    ['datasci', { 'gpu-support': 'false' }],
    ['datasci', { 'gpu-support': 'true' }],
  ] as const) {
    const rendered = await renderToolchain(assets, name, capabilities);
    const label = `${name} ${JSON.stringify(capabilities)}`;
    scripts.push(
      { name: `${label} coder_script`, content: rendered.install_script! },
      { name: `${label} startup_script`, content: rendered.startup_script! },
    );
  }
  return scripts;
}

describe('shell scripts', () => {
  it.runIf(terraform.run && shellcheck.run)(
    'every rendered shell script passes `shellcheck -S error`',
    { timeout: 180_000 },
    async () => {
      const assets = await loadTemplateAssets();
      const scripts = await shellScripts(assets);
      expect(scripts.length).toBeGreaterThanOrEqual(12);
      for (const script of scripts) {
        const result = await check(
          assertTool(shellcheck, 'shellcheck'),
          ['-S', 'error', '--format=gcc'],
          script.content,
          'script.sh',
        );
        expect(result, `${script.name}:\n${result.output}`).toMatchObject({ ok: true });
      }
      // shellcheck does fail an erroneous script, so the loop above can fail.
      const broken = await check(
        assertTool(shellcheck, 'shellcheck'),
        ['-S', 'error'],
        '#!/bin/bash\nif [ -f x ]; then\n  echo "$((1 +)"\n',
        'broken.sh',
      );
      expect(broken.ok).toBe(false);
    },
  );

  it.runIf(terraform.run)(
    'every download is HTTPS-only and the Windows toolchain needs nothing the AMI lacks',
    { timeout: 120_000 },
    async () => {
      const assets = await loadTemplateAssets();
      const scripts = [
        ...(await shellScripts(assets)),
        { name: 'windev coder_script', content: (await renderToolchain(assets, 'windev', {})).install_script! },
      ];
      for (const script of scripts) {
        expect(script.content.match(/http:\/\/(?!localhost|127\.0\.0\.1)[a-z0-9]/gi) ?? [], script.name).toEqual([]);
        for (const line of script.content
          .split('\n')
          .filter((l) => /(^|[\s|;(])curl\s+-/.test(l) && !l.trim().startsWith('#'))) {
          expect(line, script.name).toContain("--proto '=https'");
        }
      }
      const windev = code(scripts.at(-1)!.content);
      // Windows Server 2022 has no winget (App Installer is not part of it), nor choco or scoop.
      expect(windev).not.toMatch(/\b(winget|choco|scoop|Install-Module|Install-Package)\b/i);
      expect(windev).toMatch(/if \(-not \$Url\.StartsWith\("https:\/\/"\)\) \{ throw/);
    },
  );
});

/** The seed's lists (seed-facts §9: [S] diagram, [pub-S] versions); each must be one of the toolchain's installs. */
const SEED_LISTS: Record<string, string[]> = {
  swdev: ['Go 1.23', 'Node 22', 'Python 3.12', 'docker-cli', 'git', 'make', 'jq', 'yq', 'terraform', 'kubectl', 'gh'],
  datasci: ['Python 3.12', 'R 4.x', 'Jupyter', 'scikit-learn', 'pandas', 'CUDA', 'PyTorch', 'TensorFlow'],
  windev: ['C#', '.NET 8', 'Visual Studio 2022', 'PowerShell', 'Git', 'Azure CLI'],
};

/** Script text without comment lines. */
const code = (script: string) =>
  script
    .split('\n')
    .filter((l) => !l.trim().startsWith('#'))
    .join('\n');

/**
 * The lines a script runs directly: without comments and without function bodies (bash `name() {` … `}` and
 * PowerShell `function Name {` … `}`, closed by a `}` in column 0), so a download URL inside an installer
 * function does not count as installing unless the script also calls it.
 */
function directLines(script: string): string {
  const out: string[] = [];
  let inFunction = false;
  for (const line of script.split('\n')) {
    if (inFunction) {
      inFunction = line !== '}';
      continue;
    }
    if (/^(function\s+[\w-]+|[\w-]+\(\))/.test(line)) {
      inFunction = !/\}\s*$/.test(line);
      continue;
    }
    if (!line.trim().startsWith('#')) out.push(line);
  }
  return out.join('\n');
}
const VERIFY_MARKER = 'What toolchain.yaml promises (its `installs` list)';

/** What the verification part of a rendered install script checks, as toolchain.yaml keys. */
function checkedByScript(script: string): string[] {
  const verify = script.slice(script.indexOf(VERIFY_MARKER));
  const words = (re: RegExp) => [...verify.matchAll(re)].flatMap((m) => m[1]!.split(/[\s,]+/).filter((w) => w !== ''));
  return [
    ...words(/^require_command ([^\n]+)$/gm).map((c) => `command:${c}`),
    ...words(/^require_python ([^\n]+)$/gm).map((m) => `python:${m}`),
    ...words(/^Assert-Command ([^\n]+)$/gm).map((c) => `command:${c}`),
    ...(/^if \(-not \(Get-VisualStudioPath\)\) \{ throw/m.test(verify) ? ['component:visual-studio-2022'] : []),
  ].sort();
}

const key = (i: ToolchainInstall) =>
  i.command ? `command:${i.command}` : i.python ? `python:${i.python}` : `component:${i.component}`;

describe('toolchains install what they list', () => {
  const variants: [string, Record<string, string>][] = [
    ['swdev', {}],
    ['datasci', { 'gpu-support': 'false' }],
    ['datasci', { 'gpu-support': 'true' }],
    ['windev', { 'gui-rdp': 'true' }],
  ];

  it('each toolchain.yaml lists every tool the seed names for it', async () => {
    const assets = await loadTemplateAssets();
    for (const [name, seed] of Object.entries(SEED_LISTS)) {
      const names = assets.toolchains[name]!.installs.map((i) => i.name.toLowerCase());
      for (const tool of seed)
        expect(
          names.some((n) => n.includes(tool.toLowerCase())),
          `${name}: ${tool}`,
        ).toBe(true);
      for (const tool of seed)
        expect(assets.toolchains[name]!.description.toLowerCase(), `${name} description: ${tool}`).toContain(
          tool.toLowerCase(),
        );
    }
  });

  it.runIf(terraform.run)(
    'each install script installs and then checks exactly its toolchain.yaml list',
    { timeout: 120_000 },
    async () => {
      const assets = await loadTemplateAssets();
      for (const [name, capabilities] of variants) {
        const script = (await renderToolchain(assets, name, capabilities)).install_script!;
        const expected = assets.toolchains[name]!.installs.filter(
          (i) => i.when === undefined || capabilities[i.when] === 'true',
        );
        const label = `${name} ${JSON.stringify(capabilities)}`;
        expect(checkedByScript(script), label).toEqual(expected.map(key).sort());
        const installPart = directLines(script.slice(0, script.indexOf(VERIFY_MARKER)));
        for (const item of expected) {
          const token = item.via ?? item.command ?? item.python ?? item.component!;
          const pattern = new RegExp(`(^|[^A-Za-z0-9_.-])${token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm');
          expect(pattern.test(installPart), `${label}: nothing installs ${item.name} (${token})`).toBe(true);
        }
      }
    },
  );

  it('an installs entry checks one thing and depends only on a capability the toolchain declares', async () => {
    expect(toolchainInstallSchema.safeParse({ name: 'Go', command: 'go' }).success).toBe(true);
    expect(toolchainInstallSchema.safeParse({ name: 'Go' }).success).toBe(false);
    expect(toolchainInstallSchema.safeParse({ name: 'Go', command: 'go', python: 'go' }).success).toBe(false);
    const assets = await loadTemplateAssets();
    const datasci = assets.toolchains.datasci!;
    const withRdp = {
      ...datasci,
      installs: [...datasci.installs, { name: 'KasmVNC', command: 'vncserver', when: 'gui-rdp' }],
    };
    const problems = pairingProblems(
      { ...assets, toolchains: { ...assets.toolchains, datasci: withRdp } },
      assets.pairings['ec2-datasci']!,
    );
    expect(problems.join('\n')).toMatch(
      /installs entry "KasmVNC" depends on gui-rdp, which the toolchain neither requires/,
    );
    expect(pairingProblems(assets, assets.pairings['ec2-datasci']!)).toEqual([]);
  });

  it('every file a module reads with templatefile() or file() is in the composed archive', async () => {
    const assets = await loadTemplateAssets();
    for (const pairing of Object.keys(assets.pairings)) {
      const composed = await composeTemplate(assets, testConfig(), pairing);
      const paths = new Set(composed.files.map((f) => f.path));
      for (const file of composed.files.filter((f) => /^(toolchain|base)\/[^/]+\.tf$/.test(f.path))) {
        await parseHcl(file.path, file.content); // parses, so the reads below are real expressions
        for (const m of file.content.matchAll(/\b(?:templatefile|file)\("\$\{path\.module\}\/([^"]+)"/g)) {
          expect(paths.has(`${path.posix.dirname(file.path)}/${m[1]}`), `${pairing}: ${file.path} reads ${m[1]}`).toBe(
            true,
          );
        }
      }
    }
  });
});

describe('missing checkers', () => {
  it('are a visible skip locally and a failing test with CI=true', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      vi.stubEnv('CI', '');
      expect(requiredTool('no-such-checker-i11', 'apt-get install it')).toEqual({ path: undefined, run: false });
      expect(warn.mock.calls.flat().join('\n')).toMatch(/\[skip\] no-such-checker-i11 is not installed/);
      vi.stubEnv('CI', 'true');
      const tool = requiredTool('no-such-checker-i11', 'apt-get install it');
      expect(tool.run).toBe(true);
      expect(() => assertTool(tool, 'no-such-checker-i11')).toThrow(
        /no-such-checker-i11 is not installed; \.ci\/run installs it/,
      );
    } finally {
      vi.unstubAllEnvs();
      warn.mockRestore();
    }
  });
});
