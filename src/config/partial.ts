/**
 * What of a configuration the cross-field rules can still check when the schema failed. Each top-level
 * section is rebuilt with the keys that failed replaced by the profile's value (or left out when the
 * profile has none); the failed keys are listed, and a rule that reads one of them is skipped. So a wrong
 * `natGateways` no longer hides a subnet outside the VPC, and a wrong `scaleUp` no longer hides a bad
 * time zone: every rule runs on every part that parsed.
 */
import type { z } from 'zod';
import type { ConfigLayer } from './profiles.js';
import { configSchema } from './schema.js';
import type { ValidSections } from './validate.js';

export interface PartialConfig {
  /** The sections that parse once their failed keys are replaced. */
  sections: ValidSections;
  /** Failed parts, as `section` (the whole section) or `section.key`. */
  invalid: Set<string>;
}

/** The failed parts named by the schema's issues. Unknown keys fail only themselves. */
export function failedParts(error: z.ZodError): Set<string> {
  const invalid = new Set<string>();
  for (const issue of error.issues) {
    const [section, key] = issue.path;
    if (section === undefined) continue; // unknown top-level keys: no section reads them
    if (issue.code === 'unrecognized_keys' && issue.path.length === 1) {
      for (const unknown of issue.keys) invalid.add(`${String(section)}.${unknown}`);
    } else {
      invalid.add(key === undefined ? String(section) : `${String(section)}.${String(key)}`);
    }
  }
  return invalid;
}

export function partialConfig(merged: ConfigLayer, error: z.ZodError, profile: ConfigLayer): PartialConfig {
  const invalid = failedParts(error);
  const sections: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(configSchema.shape)) {
    if (invalid.has(name)) continue;
    const value = merged[name];
    const failed = [...invalid]
      .filter((part) => part.startsWith(`${name}.`))
      .map((part) => part.slice(name.length + 1));
    let candidate = value;
    if (failed.length > 0 && isPlainObject(value)) {
      const defaults = isPlainObject(profile[name]) ? (profile[name] as ConfigLayer) : {};
      const repaired: ConfigLayer = { ...value };
      for (const key of failed) {
        if (key in defaults) repaired[key] = defaults[key];
        else delete repaired[key];
      }
      candidate = repaired;
    }
    const parsed = (schema as z.ZodType).safeParse(candidate);
    if (parsed.success) sections[name] = parsed.data;
    else invalid.add(name);
  }
  return { sections: sections as ValidSections, invalid };
}

function isPlainObject(value: unknown): value is ConfigLayer {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
