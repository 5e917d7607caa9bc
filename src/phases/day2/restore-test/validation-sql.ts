/**
 * The read-only SQL a restore test runs, with the same text, against the restored writer and the live
 * writer (coder-db.md §1–§5), and the comparison of the two results. The SQL returns one JSON row; a
 * missing table yields null instead of an error (dynamic `query_to_xml` behind `to_regclass`), so one
 * broken table cannot hide the other checks. Secret-bearing columns are never selected.
 */

/** Tables whose presence proves a usable Coder database (coder-db.md §3). */
export const EXPECTED_TABLES = [
  'api_keys',
  'audit_logs',
  'files',
  'group_members',
  'groups',
  'licenses',
  'organization_members',
  'organizations',
  'provisioner_jobs',
  'provisioner_keys',
  'schema_migrations',
  'template_versions',
  'templates',
  'users',
  'workspace_agents',
  'workspace_builds',
  'workspace_resources',
  'workspaces',
] as const;

/** Counted tables; `createdColumn` lets the live side discount rows created after the restore point. */
export const COUNTED_TABLES = [
  { table: 'users', createdColumn: 'created_at' },
  { table: 'organizations', createdColumn: 'created_at' },
  { table: 'templates', createdColumn: 'created_at' },
  { table: 'template_versions', createdColumn: 'created_at' },
  { table: 'workspaces', createdColumn: 'created_at' },
  { table: 'workspace_builds', createdColumn: 'created_at' },
  // groups has no creation time: compared exactly (it is slow-moving, coder-db.md §4)
  { table: 'groups', createdColumn: undefined },
] as const satisfies readonly { table: string; createdColumn: string | undefined }[];

export type CountedTable = (typeof COUNTED_TABLES)[number]['table'];

/** Session settings for the validation connection: it must not change the copy or hang on it. */
export const VALIDATION_PGOPTIONS =
  '-c default_transaction_read_only=on -c statement_timeout=60000 -c lock_timeout=5000';

export interface TableCount {
  /** null when the table does not exist. */
  total: number | null;
  /** Rows created after the restore point (null without a creation column or table). */
  createdAfterRestorePoint: number | null;
}

/** What the SQL returns for one database. */
export interface ValidationSnapshot {
  serverVersion: string;
  capturedAt: string;
  tablesPresent: string[];
  unloggedTables: string[];
  migration: { version: number; dirty: boolean } | null;
  counts: Record<CountedTable, TableCount>;
  owners: number | null;
  defaultOrganizations: number | null;
  newestWorkspaceBuildAt: string | null;
  newestAuditLogAt: string | null;
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

/** `query_to_xml` run only when the table exists; the result is the XML text of one row, or NULL. */
function guarded(table: string, query: string): string {
  return `(CASE WHEN to_regclass('public.${table}') IS NULL THEN NULL ELSE query_to_xml($q$${query}$q$, false, true, '')::text END)`;
}

function xmlBigint(xml: string, field: string): string {
  return `substring(${xml} from '<${field}>(-?\\d+)</${field}>')::bigint`;
}

function xmlText(xml: string, field: string): string {
  return `substring(${xml} from '<${field}>([^<]*)</${field}>')`;
}

/**
 * The validation SQL for a restore point (an ISO-8601 UTC time). The same text runs on both databases;
 * the restore point only matters for the live side's "created after" counts.
 */
export function validationSql(restorePoint: string): string {
  if (!ISO_UTC.test(restorePoint))
    throw new TypeError(`restore point must be an ISO-8601 UTC time, got ${restorePoint}`);
  const rp = `'${restorePoint}'::timestamptz`;
  const counts = COUNTED_TABLES.map(({ table, createdColumn }) => {
    const after = createdColumn === undefined ? 'NULL::bigint' : `count(*) FILTER (WHERE ${createdColumn} > ${rp})`;
    const xml = guarded(table, `SELECT count(*) AS total, ${after} AS after FROM public.${table}`);
    return `'${table}', (SELECT json_build_object('total', ${xmlBigint('x', 'total')}, 'createdAfterRestorePoint', ${xmlBigint('x', 'after')}) FROM (SELECT ${xml} AS x) s)`;
  }).join(',\n    ');
  const migration = guarded(
    'schema_migrations',
    'SELECT version, dirty FROM public.schema_migrations ORDER BY version DESC LIMIT 1',
  );
  const owners = guarded(
    'users',
    "SELECT count(*) AS n FROM public.users WHERE deleted = false AND is_system = false AND 'owner' = ANY(rbac_roles)",
  );
  const defaultOrgs = guarded(
    'organizations',
    'SELECT count(*) AS n FROM public.organizations WHERE deleted = false AND is_default',
  );
  const utc = (column: string): string => `to_char(max(${column}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
  const newestBuild = guarded('workspace_builds', `SELECT ${utc('created_at')} AS t FROM public.workspace_builds`);
  const newestAudit = guarded('audit_logs', `SELECT ${utc('"time"')} AS t FROM public.audit_logs`);
  return `-- coder-platform restore-test validation (read-only; restore point ${restorePoint})
SELECT json_build_object(
  'serverVersion', current_setting('server_version'),
  'capturedAt', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
  'tablesPresent', (SELECT coalesce(json_agg(c.relname::text ORDER BY c.relname), '[]'::json) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')),
  'unloggedTables', (SELECT coalesce(json_agg(c.relname::text ORDER BY c.relname), '[]'::json) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relpersistence = 'u'),
  'migration', (SELECT CASE WHEN m IS NULL OR ${xmlBigint('m', 'version')} IS NULL THEN NULL ELSE json_build_object('version', ${xmlBigint('m', 'version')}, 'dirty', ${xmlText('m', 'dirty')} = 'true') END FROM (SELECT ${migration} AS m) s),
  'counts', json_build_object(
    ${counts}
  ),
  'owners', (SELECT ${xmlBigint('x', 'n')} FROM (SELECT ${owners} AS x) s),
  'defaultOrganizations', (SELECT ${xmlBigint('x', 'n')} FROM (SELECT ${defaultOrgs} AS x) s),
  'newestWorkspaceBuildAt', (SELECT nullif(${xmlText('x', 't')}, '') FROM (SELECT ${newestBuild} AS x) s),
  'newestAuditLogAt', (SELECT nullif(${xmlText('x', 't')}, '') FROM (SELECT ${newestAudit} AS x) s)
) AS result;
`;
}

/** Parse the JSON line the SQL printed (psql -At) into a snapshot; throws on anything else. */
export function parseValidationSnapshot(text: string): ValidationSnapshot {
  const value = JSON.parse(text) as Partial<ValidationSnapshot>;
  if (
    typeof value !== 'object' ||
    value === null ||
    !Array.isArray(value.tablesPresent) ||
    typeof value.counts !== 'object' ||
    value.counts === null
  ) {
    throw new TypeError('not a validation result');
  }
  return value as ValidationSnapshot;
}

export interface ValidationCheck {
  id: string;
  title: string;
  passed: boolean;
  /** What was found, one line. */
  detail: string;
  restored?: unknown;
  live?: unknown;
}

export interface CompareOptions {
  /** ISO time the copy was restored to. */
  restorePoint: string;
  /** Rows in the copy may be this much newer than the restore point (a snapshot is not instantaneous). @default 300 */
  toleranceSeconds?: number;
}

/** Every check of a restored copy against the live database (coder-db.md §2–§4). */
export function compareValidation(
  restored: ValidationSnapshot,
  live: ValidationSnapshot,
  options: CompareOptions,
): ValidationCheck[] {
  const checks: ValidationCheck[] = [];
  const rm = restored.migration;
  const lm = live.migration;
  checks.push({
    id: 'migration-clean',
    title: 'schema_migrations present and not dirty',
    passed: rm !== null && !rm.dirty,
    detail:
      rm === null
        ? 'schema_migrations is missing or empty in the copy'
        : rm.dirty
          ? `migration ${rm.version} is dirty: a migration stopped halfway, the copy is not usable as-is`
          : `version ${rm.version}, clean`,
    restored: rm,
  });
  checks.push({
    id: 'migration-version',
    title: 'schema_migrations version equals the live database',
    passed: rm !== null && lm !== null && rm.version === lm.version,
    detail:
      rm === null || lm === null
        ? 'a schema_migrations version is missing'
        : rm.version === lm.version
          ? `both at ${rm.version}`
          : `copy at ${rm.version}, live at ${lm.version}`,
    restored: rm?.version ?? null,
    live: lm?.version ?? null,
  });
  const present = new Set(restored.tablesPresent);
  const missingExpected = EXPECTED_TABLES.filter((t) => !present.has(t));
  checks.push({
    id: 'expected-tables',
    title: 'expected Coder tables present',
    passed: missingExpected.length === 0,
    detail:
      missingExpected.length === 0
        ? `${EXPECTED_TABLES.length} expected tables present`
        : `missing: ${missingExpected.join(', ')}`,
  });
  const missingLive = live.tablesPresent.filter((t) => !present.has(t));
  checks.push({
    id: 'tables-match-live',
    title: 'every live table exists in the copy',
    passed: missingLive.length === 0,
    detail:
      missingLive.length === 0
        ? `${restored.tablesPresent.length} tables in the copy, ${live.tablesPresent.length} live`
        : `missing in the copy: ${missingLive.join(', ')}`,
  });
  for (const { table } of COUNTED_TABLES) {
    const r = restored.counts[table];
    const l = live.counts[table];
    const expected = l.total === null ? null : l.total - (l.createdAfterRestorePoint ?? 0);
    const passed = r.total !== null && expected !== null && r.total === expected;
    const afterNote =
      l.createdAfterRestorePoint === null
        ? 'compared exactly (no creation time)'
        : `${l.createdAfterRestorePoint} created live after the restore point`;
    checks.push({
      id: `count-${table.replaceAll('_', '-')}`,
      title: `${table} count`,
      passed,
      detail:
        r.total === null
          ? `${table} is missing in the copy`
          : expected === null
            ? `${table} is missing in the live database`
            : `copy ${r.total}, live ${l.total} (${afterNote}); expected ${expected}`,
      restored: r.total,
      live: l.total,
    });
  }
  checks.push({
    id: 'owner-present',
    title: 'at least one owner',
    passed: (restored.owners ?? 0) >= 1,
    detail: `${restored.owners ?? 'no users table:'} owner${restored.owners === 1 ? '' : 's'}`,
    restored: restored.owners,
  });
  checks.push({
    id: 'default-organization',
    title: 'exactly one default organization',
    passed: restored.defaultOrganizations === 1,
    detail: `${restored.defaultOrganizations ?? 0} default organization(s)`,
    restored: restored.defaultOrganizations,
  });
  const limit = Date.parse(options.restorePoint) + (options.toleranceSeconds ?? 300) * 1000;
  const newest = [restored.newestWorkspaceBuildAt, restored.newestAuditLogAt].filter((t): t is string => t !== null);
  const tooNew = newest.filter((t) => Date.parse(t) > limit);
  checks.push({
    id: 'restore-point-evidence',
    title: 'newest build and audit entries are not after the restore point',
    passed: tooNew.length === 0,
    detail: `newest build ${restored.newestWorkspaceBuildAt ?? 'none'}, newest audit entry ${restored.newestAuditLogAt ?? 'none'}, restore point ${options.restorePoint}${tooNew.length > 0 ? ': the copy holds rows newer than the restore point' : ''}`,
    restored: { newestWorkspaceBuildAt: restored.newestWorkspaceBuildAt, newestAuditLogAt: restored.newestAuditLogAt },
    live: { newestWorkspaceBuildAt: live.newestWorkspaceBuildAt, newestAuditLogAt: live.newestAuditLogAt },
  });
  return checks;
}
