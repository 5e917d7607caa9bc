/**
 * aws.availabilityZones: the zones must belong to aws.region (also when --region changes it), and the
 * zones that pass are the ones the synthesized network template uses.
 */
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { configYaml, resolveConfig, resourcesOf, synthesize } from '../cdk/synth.js';

function rejection(text: string, overrides = {}): ConfigError {
  try {
    parseConfigText(text, 'coder-platform.yaml', overrides);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('aws.availabilityZones', () => {
  it('zones of another region are refused with the key, line and zones of the right region', () => {
    const text = configYaml('mvp-500', 'aws:\n  region: us-east-1\n  availabilityZones: [us-west-2a, us-west-2b]\n');
    const error = rejection(text);
    expect(error.issues.map((i) => [i.path, `${i.line}:${i.column}`])).toEqual([
      ['aws.availabilityZones[0]', '10:23'],
      ['aws.availabilityZones[1]', '10:35'],
    ]);
    expect(error.issues[0]!.message).toBe('us-west-2a is not an availability zone of the deployment region us-east-1');
    expect(error.issues[0]!.example).toBe('availabilityZones: [us-east-1a, us-east-1b]');
  });

  it("a --region flag that moves the deployment away from the file's zones is refused too", () => {
    const text = configYaml('mvp-500', 'aws:\n  region: us-east-1\n  availabilityZones: [us-east-1a, us-east-1b]\n');
    const error = rejection(text, { aws: { region: 'eu-west-1' } });
    expect(error.issues.map((i) => i.path)).toEqual(['aws.availabilityZones[0]', 'aws.availabilityZones[1]']);
    expect(error.issues[0]!.message).toContain('deployment region eu-west-1');
  });

  it('us-east-1 with us-east-1a is not confused with us-east-10 or a prefix of another region', () => {
    expect(
      rejection(configYaml('mvp-500', 'aws:\n  availabilityZones: [us-east-1a, us-east-10b]\n')).issues.map(
        (i) => i.path,
      ),
    ).toEqual(['aws.availabilityZones[1]']);
  });

  it(
    'zones that pass reach the synthesized network template, one subnet per tier in each',
    { timeout: 120_000 },
    () => {
      const config = resolveConfig(
        'mvp-500',
        'aws:\n  region: us-east-2\n  availabilityZones: [us-east-2c, us-east-2b]\n',
      );
      const network = synthesize(config).json('network');
      const zones = resourcesOf(network, 'AWS::EC2::Subnet').map(([, p]) => String(p.AvailabilityZone));
      expect(new Set(zones)).toEqual(new Set(['us-east-2c', 'us-east-2b']));
      expect(zones.filter((z) => z === 'us-east-2c')).toHaveLength(Object.keys(config.network.subnets).length);
    },
  );
});
