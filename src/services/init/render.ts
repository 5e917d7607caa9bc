/** The file init writes: a commented coder-platform.yaml holding only what differs from the profile plus the required keys. */
import { isMap, isScalar, Document } from 'yaml';
import type { ConfigLayer } from '../../config/profiles.js';
import { SECTION_DOCS } from '../../config/sections.js';

/** Keys written even when they equal the profile: they identify the deployment. */
export const ALWAYS_WRITTEN = [
  ['apiVersion'],
  ['profile'],
  ['deployment', 'name'],
  ['dns', 'domain'],
  ['coder', 'admin', 'email'],
] as const;

/** What `layer` sets that `base` does not already have (objects compared key by key, arrays and scalars as a whole). */
export function diffLayer(layer: ConfigLayer, base: ConfigLayer): ConfigLayer {
  const out: ConfigLayer = {};
  for (const [key, value] of Object.entries(layer)) {
    if (value === undefined) continue;
    const existing = base[key];
    if (isObject(value) && isObject(existing)) {
      const inner = diffLayer(value, existing);
      if (Object.keys(inner).length > 0) out[key] = inner;
    } else if (JSON.stringify(value) !== JSON.stringify(existing)) {
      out[key] = value;
    }
  }
  return out;
}

/** The diff plus the always-written keys, in the schema's section order. */
export function fileLayer(full: ConfigLayer, base: ConfigLayer): ConfigLayer {
  const out = diffLayer(full, base);
  for (const path of ALWAYS_WRITTEN) {
    let source: unknown = full;
    for (const part of path) source = isObject(source) ? source[part] : undefined;
    if (source === undefined) continue;
    let target = out;
    path.forEach((part, index) => {
      if (index === path.length - 1) target[part] = source;
      else target = (target[part] ??= {}) as ConfigLayer;
    });
  }
  const order = Object.keys(SECTION_DOCS);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => order.indexOf(a) - order.indexOf(b)));
}

export interface RenderOptions {
  /** Where the `$schema` line points (relative path or URL). */
  schemaRef: string;
  profile: string;
}

export function renderConfigFile(layer: ConfigLayer, options: RenderOptions): string {
  const doc = new Document(layer);
  if (isMap(doc.contents)) {
    doc.contents.items.forEach((pair, index) => {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      const text = SECTION_DOCS[key];
      if (text && isScalar(pair.key)) {
        pair.key.commentBefore = ` ${wrap(text, 98).join('\n ')}`;
        pair.key.spaceBefore = index > 0;
      }
    });
  }
  const header = [
    `# yaml-language-server: $schema=${options.schemaRef}`,
    '# coder-platform configuration, written by `coder-platform init`.',
    `# Only what differs from the ${options.profile} profile is listed; \`coder-platform config show\` prints every`,
    '# resolved value and `coder-platform config validate` checks this file. Secrets are references, never values.',
    '',
    '',
  ];
  const unchanged = Object.keys(SECTION_DOCS).filter((key) => !(key in layer));
  const trailer =
    unchanged.length === 0
      ? []
      : [
          '',
          `# Sections taken unchanged from the ${options.profile} profile (add one above to override any of its keys):`,
          ...unchanged.flatMap((key) =>
            wrap(`${key}: ${SECTION_DOCS[key]}`, 96).map((line, i) => `#${i === 0 ? '   ' : '     '}${line}`),
          ),
        ];
  return `${header.join('\n')}${doc.toString({ lineWidth: 0 })}${trailer.length > 0 ? `${trailer.join('\n')}\n` : ''}`;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

function isObject(value: unknown): value is ConfigLayer {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
