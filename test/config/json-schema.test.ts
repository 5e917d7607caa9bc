import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { renderJsonSchemas } from '../../src/config/json-schema.js';
import { PROFILES } from '../../src/config/profiles.js';

const root = resolve(import.meta.dirname, '../..');

describe('shipped JSON Schema', () => {
  const rendered = renderJsonSchemas();

  it.each([...rendered.keys()])(
    'schema/%s equals what scripts/generate-schema.ts generates (run it when this fails)',
    (file) => {
      expect(readFileSync(resolve(root, 'schema', file), 'utf8')).toBe(rendered.get(file));
    },
  );

  const schema = JSON.parse(rendered.get('coder-platform.schema.json')!) as object;
  const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);

  it.each(Object.keys(PROFILES))('accepts the complete %s profile and a minimal file', (name) => {
    expect(
      validate({
        apiVersion: 'coder-platform/v1',
        profile: name,
        ...PROFILES[name as keyof typeof PROFILES],
        dns: { domain: 'example.com', subdomain: 'coder' },
      }),
      JSON.stringify(validate.errors),
    ).toBe(true);
    expect(validate({ profile: name, dns: { domain: 'example.com' } })).toBe(true);
  });

  it('rejects what the zod schema rejects: unknown keys, bad enums, a missing profile', () => {
    expect(validate({ profile: 'mvp-500', network: { vpcCIDR: '10.0.0.0/16' } })).toBe(false);
    expect(validate({ profile: 'mvp-500', database: { engine: 'mysql' } })).toBe(false);
    expect(validate({ dns: { domain: 'example.com' } })).toBe(false);
  });
});
