/** How a resolved configuration is shown to a person: YAML, secrets only ever as the references the config holds. */
import { stringify } from 'yaml';
import type { CoderPlatformConfig } from '../config/schema.js';

export function renderConfigYaml(config: CoderPlatformConfig, source: string): string {
  return `# Resolved configuration from ${source} (profile defaults + file + environment + flags)\n${stringify(config, { lineWidth: 0 })}`;
}

export function renderValidateOk(path: string, config: Pick<CoderPlatformConfig, 'profile' | 'deployment'>): string {
  return `OK ${path}: deployment ${config.deployment.name}, profile ${config.profile}\n`;
}
