/**
 * Edit coder-platform.yaml in place for the day-2 commands that change desired state (scale-schedule set /
 * suspend / resume, upgrade): the yaml Document API keeps comments, quoting and layout; the result is
 * validated with the full config rules before anything is written; the write is atomic (temp file, rename).
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { isScalar, parseDocument } from 'yaml';
import { parseConfigText } from './load.js';
import type { CoderPlatformConfig } from './schema.js';

/** One key to set: a path into the config, its new value (undefined: remove the key), and whether a list is written inline. */
export interface ConfigEdit {
  path: (string | number)[];
  value: unknown;
  flow?: boolean;
}

export interface EditedConfig {
  text: string;
  config: CoderPlatformConfig;
  /** Dotted key paths that changed (a key whose resolved value already equals the new one is left alone). */
  changed: string[];
}

function resolvedAt(config: unknown, path: (string | number)[]): unknown {
  let at: unknown = config;
  for (const key of path)
    at = at !== null && typeof at === 'object' ? (at as Record<string | number, unknown>)[key] : undefined;
  return at;
}

/**
 * Apply the edits to the YAML text and validate the result; throws ConfigError naming the keys when the
 * text or the result is invalid. Edits are compared with the resolved configuration (profile defaults
 * included), so setting a key to the value it already has changes nothing.
 */
export function applyConfigEdits(text: string, file: string, edits: ConfigEdit[]): EditedConfig {
  const before = parseConfigText(text, file); // reports YAML and schema errors with positions
  const doc = parseDocument(text);
  const changed: string[] = [];
  for (const edit of edits) {
    if (JSON.stringify(edit.value) === JSON.stringify(resolvedAt(before, edit.path))) continue;
    if (edit.value === undefined) {
      doc.deleteIn(edit.path);
      changed.push(edit.path.join('.'));
      continue;
    }
    const existing = doc.getIn(edit.path, true);
    // edit a scalar in place so its quoting and trailing comment survive
    if (
      isScalar(existing) &&
      (typeof edit.value === 'string' ||
        typeof edit.value === 'number' ||
        typeof edit.value === 'boolean' ||
        edit.value === null)
    )
      existing.value = edit.value;
    else doc.setIn(edit.path, doc.createNode(edit.value, { flow: edit.flow ?? false }));
    changed.push(edit.path.join('.'));
  }
  const next = changed.length === 0 ? text : String(doc);
  return { text: next, config: changed.length === 0 ? before : parseConfigText(next, file), changed };
}

/** Write the text atomically (temp file in the same directory, then rename). */
export async function writeConfigText(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, text, 'utf8');
  await rename(tmp, file);
}

/** Read, edit, validate and (when something changed) write the configuration file. */
export async function editConfigFile(file: string, edits: ConfigEdit[]): Promise<Omit<EditedConfig, 'text'>> {
  const applied = applyConfigEdits(await readFile(file, 'utf8'), file, edits);
  if (applied.changed.length > 0) await writeConfigText(file, applied.text);
  return { config: applied.config, changed: applied.changed };
}

/** The file's current resolved configuration. */
export async function readConfigFile(file: string): Promise<CoderPlatformConfig> {
  return parseConfigText(await readFile(file, 'utf8'), file);
}
