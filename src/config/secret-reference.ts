/**
 * Secret references and credential detection. A secret field of coder-platform.yaml (the OIDC client
 * secret, the license) holds where the secret lives, never the secret: a Secrets Manager ARN,
 * `secretsmanager:NAME`, a path of plain name segments (`coder/oidc-client-secret`) or `env:NAME`.
 *
 * Matching a form is not enough: an AWS secret access key is also "a path of plain name segments". So a
 * value that looks like a credential (AWS keys, JWTs, PEM blocks, well-known token prefixes, long
 * high-entropy segments) is refused whatever form it matches, and a refused value is described by its
 * kind and length only, never shown.
 */

/** One name segment: letters, digits and `_ . @ -` (no `+` or `=`, which only base64 needs). */
const SEGMENT = '[A-Za-z0-9_.@-]+';
/** Secrets Manager names may also hold `+` and `=`; allowed only in the explicit forms. */
const SM_NAME = '[A-Za-z0-9_+=.@-]+(?:/[A-Za-z0-9_+=.@-]+)*';
const FORMS: RegExp[] = [
  new RegExp(`^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\\d{12}:secret:${SM_NAME}$`),
  new RegExp(`^secretsmanager:${SM_NAME}$`),
  /^env:[A-Za-z_][A-Za-z0-9_]*$/,
  new RegExp(`^${SEGMENT}(?:/${SEGMENT})+$`),
];

/** The accepted forms, for messages. */
export const SECRET_REFERENCE_FORMS =
  'a Secrets Manager ARN, secretsmanager:NAME, a path of plain name segments such as coder/oidc-client-secret, or env:NAME';

/** Longest reference accepted (Secrets Manager names are at most 512 characters; an ARN adds ~70). */
const MAX_REFERENCE_LENGTH = 600;

/**
 * The shape of a reference, without the credential check: kept for callers that only need the syntax
 * (the JSON Schema pattern). Use {@link checkSecretReference} to decide whether a value is acceptable.
 */
export const SECRET_REFERENCE = new RegExp(`^(?:${FORMS.map((f) => f.source.slice(1, -1)).join('|')})$`);

export type SecretReferenceCheck = { ok: true } | { ok: false; reason: string };

/** Is this value an acceptable secret reference (a known form, and nothing that looks like a credential)? */
export function checkSecretReference(value: string): SecretReferenceCheck {
  const kind = credentialKind(value);
  if (kind !== undefined)
    return { ok: false, reason: `${describeSecretValue(value, kind)}: a credential, not a reference to one` };
  if (value.length > MAX_REFERENCE_LENGTH || !FORMS.some((f) => f.test(value))) {
    return { ok: false, reason: `${describeSecretValue(value)} is not a reference` };
  }
  return { ok: true };
}

export function isSecretReference(value: string): boolean {
  return checkSecretReference(value).ok;
}

/** `a 40-character value that looks like an AWS secret access key`, never the value itself. */
export function describeSecretValue(value: string, kind = credentialKind(value)): string {
  const length = [...value].length;
  const size = `a ${length}-character value`;
  return kind === undefined ? size : `${size} that looks like ${kind}`;
}

const PATTERNS: [RegExp, string][] = [
  [/-----BEGIN [A-Z0-9 ]*-----/, 'a PEM block (a key or certificate)'],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/, 'a JSON Web Token'],
  [/(?:^|[^A-Z0-9])(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{16}(?![A-Z0-9])/, 'an AWS access key id'],
  [/(?:^|[^A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/, 'an AWS secret access key'],
  [/\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})/, 'a GitHub token'],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}/, 'an API key'],
  [/\beyJ[A-Za-z0-9_-]{16,}/, 'base64-encoded JSON (a token or license)'],
  [/^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, 'a URL with a password'],
];

/**
 * What kind of credential a value looks like, or undefined. The 40-character AWS secret-key shape only
 * counts when it is also random-looking, so a long plain path such as `platform/coder/oidc/client/secret`
 * is not mistaken for one.
 */
export function credentialKind(value: string): string | undefined {
  for (const [pattern, kind] of PATTERNS) {
    const match = pattern.exec(value);
    if (!match) continue;
    if (kind === 'an AWS secret access key' && !looksRandom(match[0].replace(/^[^A-Za-z0-9/+]/, ''))) continue;
    return kind;
  }
  for (const segment of value.split(/[/:]/)) {
    if (segment.length >= 20 && looksRandom(segment)) return 'a high-entropy token';
  }
  if (/^[A-Za-z0-9+/]{32,}={0,2}$/.test(value) && looksRandom(value)) return 'a base64-encoded secret';
  return undefined;
}

/**
 * Generated, not written by a person: mixed case and digits, close to the entropy of random text of that
 * length (at most 4 bits per character asked), and the character class (lower, upper, digit) changing
 * often. Words in a name (`Platform/CoderOidcClientSecret2024`) change class only at word boundaries;
 * random base64 changes class at about every second character. Separators are left out of the count.
 */
function looksRandom(text: string): boolean {
  if (!/[a-z]/.test(text) || !/[A-Z]/.test(text) || !/\d/.test(text)) return false;
  if (shannonEntropy(text) < Math.min(4, Math.log2(text.length) - 0.7)) return false;
  const classes = [...text.replace(/[^A-Za-z0-9]/g, '')].map((c) => (/[a-z]/.test(c) ? 0 : /[A-Z]/.test(c) ? 1 : 2));
  let changes = 0;
  for (let i = 1; i < classes.length; i += 1) if (classes[i] !== classes[i - 1]) changes += 1;
  return classes.length > 1 && changes / (classes.length - 1) >= 0.35;
}

export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Candidates for {@link redactCredentials}: PEM blocks, and runs of token characters (no `:` so ARNs split). */
const CANDIDATES = /-----BEGIN [A-Z0-9 ]*-----[\s\S]*?(?:-----END [A-Z0-9 ]*-----|$)|[A-Za-z0-9/+=_.@-]{16,}/g;

/**
 * Replace everything in a message that looks like a credential by its description (`[a 40-character value
 * that looks like an AWS secret access key]`). The last line of defence for text a person or a file will
 * see: a value pasted into the wrong key is not echoed either.
 */
export function redactCredentials(text: string): string {
  return text.replace(CANDIDATES, (candidate) => {
    const kind = credentialKind(candidate);
    return kind === undefined ? candidate : `[${describeSecretValue(candidate, kind)}]`;
  });
}
