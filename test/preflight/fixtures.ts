import { resolveLayers } from '../../src/config/load.js';
import type { ConfigLayer } from '../../src/config/profiles.js';
import type { CoderPlatformConfig } from '../../src/config/schema.js';

/** A profile resolved the way `loadConfig` resolves a minimal file, plus overrides. */
export function profileConfig(profile: 'mvp-500' | 'scale-3000', overrides: ConfigLayer = {}): CoderPlatformConfig {
  return resolveLayers(
    { profile, dns: { domain: 'example.com' }, coder: { admin: { email: 'ops@example.com' } } },
    overrides,
    undefined,
  );
}
