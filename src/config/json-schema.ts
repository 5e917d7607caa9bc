/**
 * JSON Schemas generated from the zod schemas and shipped in the package (schema/*.json), so editors
 * complete and check the files the CLI writes (`# yaml-language-server: $schema=` line).
 * `npx tsx scripts/generate-schema.ts` writes them; test/config/json-schema.test.ts fails when stale.
 * Add a schema by adding an entry to JSON_SCHEMAS.
 */
import { z } from 'zod';
import { API_VERSION, configSchema, PROFILE_NAMES } from './schema.js';
import { SECTION_DOCS } from './sections.js';

export interface JsonSchemaFile {
  /** File name under schema/. */
  file: string;
  title: string;
  description: string;
  /** The zod schema of the file's input. */
  schema: z.ZodType;
  /**
   * Keys a hand-written file must contain; everything else may be left to defaults (for
   * coder-platform.yaml: the profile). Other `required` lists are dropped.
   */
  rootRequired: string[];
  /** Descriptions of the top-level properties. */
  sectionDocs?: Readonly<Record<string, string>>;
}

export const SCHEMA_BASE_URL = 'https://unpkg.com/coder-platform/schema/';

export const JSON_SCHEMAS: JsonSchemaFile[] = [
  {
    file: 'coder-platform.schema.json',
    title: 'coder-platform.yaml',
    description: `Configuration of a Coder-on-EKS deployment (${API_VERSION}). Names a profile (${PROFILE_NAMES.join(', ')}) and overrides only what it changes.`,
    schema: configSchema,
    rootRequired: ['profile'],
    sectionDocs: SECTION_DOCS,
  },
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The JSON Schema document for one entry, as it is written to disk. */
export function buildJsonSchema(entry: JsonSchemaFile): Record<string, Json> {
  const generated = z.toJSONSchema(entry.schema, { io: 'input', target: 'draft-2020-12' }) as Record<string, Json>;
  const relaxed = dropRequired(generated) as Record<string, Json>;
  const properties = relaxed.properties as Record<string, { [key: string]: Json }> | undefined;
  for (const [key, description] of Object.entries(entry.sectionDocs ?? {})) {
    const property = properties?.[key];
    if (property) properties![key] = { description, ...property };
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `${SCHEMA_BASE_URL}${entry.file}`,
    title: entry.title,
    description: entry.description,
    ...Object.fromEntries(Object.entries(relaxed).filter(([key]) => key !== '$schema')),
    required: entry.rootRequired,
  };
}

/** File name → text (two-space JSON and a final newline) for every shipped schema. */
export function renderJsonSchemas(): Map<string, string> {
  return new Map(JSON_SCHEMAS.map((entry) => [entry.file, `${JSON.stringify(buildJsonSchema(entry), null, 2)}\n`]));
}

function dropRequired(node: Json): Json {
  if (Array.isArray(node)) return node.map(dropRequired);
  if (node === null || typeof node !== 'object') return node;
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(node)) {
    // `required` of an object schema is a string list; a property named "required" is an object and stays.
    if (key === 'required' && Array.isArray(value)) continue;
    out[key] = dropRequired(value);
  }
  return out;
}
