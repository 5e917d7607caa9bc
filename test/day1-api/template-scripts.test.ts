/**
 * The scripts inside the templates, rendered by Terraform exactly as a workspace build renders them: the cloud-init
 * user data of the Ubuntu EC2 bases passes the real `cloud-init schema`, every shell script (user data scripts,
 * coder_script install scripts, agent startup scripts) passes `shellcheck -S error`, the home volume is found by its
 * EBS id and mounted before the agent starts, and every download is HTTPS. terraform, shellcheck and cloud-init
 * come from Debian packages that .ci/run installs; a missing one is a visible skip locally and a failure with
 * CI=true. What each toolchain installs is checked in toolchain-installs.test.ts.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadTemplateAssets, type TemplateAssets } from '../../src/phases/day1/templates/assets.js';
import { baseModuleFiles } from '../../src/phases/day1/templates/compose.js';
import { assertTool, check, renderLocals, renderToolchain, requiredTool } from './template-render.js';

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

/** Script text without comment lines. */
const code = (script: string) =>
  script
    .split('\n')
    .filter((l) => !l.trim().startsWith('#'))
    .join('\n');

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
    const rendered = await renderToolchain(assertTool(terraform, 'terraform'), assets, name, capabilities);
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
        {
          name: 'windev coder_script',
          content: (await renderToolchain(assertTool(terraform, 'terraform'), assets, 'windev', {})).install_script!,
        },
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
