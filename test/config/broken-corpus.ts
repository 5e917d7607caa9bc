/** The corpus of broken configuration files and their expectations (test/fixtures/broken-configs). */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';

export const CORPUS = resolve(import.meta.dirname, '../fixtures/broken-configs');

export interface Expectation {
  accepted?: boolean;
  problems?: { path: string; at: string | null; message: string }[];
  omitted?: number;
  hidden?: string[];
}

export const EXPECTATIONS = parse(readFileSync(resolve(CORPUS, 'expectations.yaml'), 'utf8')) as Record<
  string,
  Expectation
>;

/** A secret and the forms it could leak in. */
export function leakForms(secret: string): string[] {
  return [
    secret,
    JSON.stringify(secret).slice(1, -1),
    encodeURIComponent(secret),
    Buffer.from(secret).toString('base64'),
    Buffer.from(secret).toString('hex'),
  ];
}

/** Every file of the corpus, sorted. */
export const CORPUS_FILES = readdirSync(CORPUS)
  .filter((f) => f.endsWith('.yaml') && f !== 'expectations.yaml')
  .sort();
