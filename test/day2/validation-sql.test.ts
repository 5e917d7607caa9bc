/**
 * The restore-test validation SQL on a real PostgreSQL engine: PGlite loaded with Coder's schema
 * (upstream database/dump.sql, test/upstream.ts) plus schema_migrations and seeded rows. The schema is loaded once
 * and each case starts from a copy of that data directory.
 */
import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { beforeAll, expect, it } from 'vitest';
import {
  compareValidation,
  parseValidationSnapshot,
  validationSql,
  type ValidationSnapshot,
} from '../../src/phases/day2/restore-test/validation-sql.js';
import { describeUpstream, upstreamPath } from '../upstream.js';

const DUMP = upstreamPath('dumpSql');

const ORG = '0b8b0c1e-0000-4000-8000-000000000001';
const OWNER = '0b8b0c1e-0000-4000-8000-000000000002';
const PREBUILDS = 'c42fdf75-3097-471c-8c33-fb52454d81c0';
const FILE = '0b8b0c1e-0000-4000-8000-000000000003';
const JOB = '0b8b0c1e-0000-4000-8000-000000000004';
const VERSION = '0b8b0c1e-0000-4000-8000-000000000005';
const TEMPLATE = '0b8b0c1e-0000-4000-8000-000000000006';
const WORKSPACE = '0b8b0c1e-0000-4000-8000-000000000007';
const BUILD_JOB = '0b8b0c1e-0000-4000-8000-000000000008';
const BUILD = '0b8b0c1e-0000-4000-8000-000000000009';

const RESTORE_POINT = '2026-11-20T12:00:00.000Z';
const BEFORE = '2026-11-20 11:00:00+00';
const AFTER = '2026-11-20 13:00:00+00';

/** A minimal Coder database that satisfies the foreign keys and triggers (coder-db.md §7). */
function seedSql(migration = 564): string {
  return `
CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
INSERT INTO schema_migrations VALUES (${migration}, false);
INSERT INTO organizations (id, name, description, created_at, updated_at, is_default, display_name, default_org_member_roles)
  VALUES ('${ORG}', 'coder', '', '${BEFORE}', '${BEFORE}', true, 'Coder', '{}');
INSERT INTO users (id, email, username, hashed_password, created_at, updated_at, rbac_roles, login_type)
  VALUES ('${OWNER}', 'admin@example.com', 'admin', '\\x00', '${BEFORE}', '${BEFORE}', '{owner}', 'password');
INSERT INTO users (id, email, username, hashed_password, created_at, updated_at, is_system, login_type)
  VALUES ('${PREBUILDS}', 'prebuilds@system', 'prebuilds', '\\x00', '${BEFORE}', '${BEFORE}', true, 'none');
INSERT INTO organization_members (user_id, organization_id, created_at, updated_at) VALUES ('${OWNER}', '${ORG}', '${BEFORE}', '${BEFORE}');
INSERT INTO groups (id, name, organization_id, source) VALUES ('${ORG}', 'Everyone', '${ORG}', 'user');
INSERT INTO files (id, hash, created_at, created_by, mimetype, data) VALUES ('${FILE}', 'abc', '${BEFORE}', '${OWNER}', 'application/x-tar', '\\x00');
INSERT INTO provisioner_jobs (id, created_at, updated_at, started_at, completed_at, error, organization_id, initiator_id, provisioner, storage_method, type, input, file_id)
  VALUES ('${JOB}', '${BEFORE}', '${BEFORE}', '${BEFORE}', '${BEFORE}', '', '${ORG}', '${OWNER}', 'terraform', 'file', 'template_version_import', '{}', '${FILE}');
INSERT INTO template_versions (id, organization_id, created_at, updated_at, name, readme, job_id, created_by)
  VALUES ('${VERSION}', '${ORG}', '${BEFORE}', '${BEFORE}', 'v1', '', '${JOB}', '${OWNER}');
INSERT INTO templates (id, created_at, updated_at, organization_id, name, provisioner, active_version_id, created_by)
  VALUES ('${TEMPLATE}', '${BEFORE}', '${BEFORE}', '${ORG}', 'pod-swdev', 'terraform', '${VERSION}', '${OWNER}');
UPDATE template_versions SET template_id = '${TEMPLATE}' WHERE id = '${VERSION}';
INSERT INTO workspaces (id, created_at, updated_at, owner_id, organization_id, template_id, name)
  VALUES ('${WORKSPACE}', '${BEFORE}', '${BEFORE}', '${OWNER}', '${ORG}', '${TEMPLATE}', 'dev');
INSERT INTO provisioner_jobs (id, created_at, updated_at, started_at, completed_at, error, organization_id, initiator_id, provisioner, storage_method, type, input, file_id)
  VALUES ('${BUILD_JOB}', '${BEFORE}', '${BEFORE}', '${BEFORE}', '${BEFORE}', '', '${ORG}', '${OWNER}', 'terraform', 'file', 'workspace_build', '{}', '${FILE}');
INSERT INTO workspace_builds (id, created_at, updated_at, workspace_id, template_version_id, build_number, transition, initiator_id, job_id, reason)
  VALUES ('${BUILD}', '${BEFORE}', '${BEFORE}', '${WORKSPACE}', '${VERSION}', 1, 'start', '${OWNER}', '${BUILD_JOB}', 'initiator');
INSERT INTO audit_logs (id, "time", user_id, organization_id, ip, user_agent, resource_type, resource_id, resource_target, action, diff, status_code, additional_fields, request_id, resource_icon)
  VALUES (gen_random_uuid(), '${BEFORE}', '${OWNER}', '${ORG}', NULL, NULL, 'template', '${TEMPLATE}', 'pod-swdev', 'create', '{}', 200, '{}', gen_random_uuid(), '');
`;
}

/** Rows a live deployment gains after the restore point: a new user with an audit entry. */
const LIVE_AFTER_RESTORE_POINT = `
INSERT INTO users (id, email, username, hashed_password, created_at, updated_at, login_type)
  VALUES ('0b8b0c1e-0000-4000-8000-0000000000aa', 'late@example.com', 'late', '\\x00', '${AFTER}', '${AFTER}', 'password');
INSERT INTO audit_logs (id, "time", user_id, organization_id, resource_type, resource_id, resource_target, action, diff, status_code, additional_fields, request_id, resource_icon)
  VALUES (gen_random_uuid(), '${AFTER}', '${OWNER}', '${ORG}', 'user', '${OWNER}', 'late', 'create', '{}', 200, '{}', gen_random_uuid(), '');
`;

let seeded: Blob;

/** Loads Coder's schema and the seed rows once (run inside the describe, so it is skipped with it). */
async function seedSchema(): Promise<void> {
  const db = new PGlite();
  await db.exec(`SET check_function_bodies = false;\n${readFileSync(DUMP, 'utf8')}`);
  await db.exec(seedSql());
  seeded = await db.dumpDataDir('none');
  await db.close();
}

async function database(extra = ''): Promise<PGlite> {
  const db = new PGlite({ loadDataDir: seeded });
  if (extra) await db.exec(extra);
  return db;
}

async function snapshot(db: PGlite): Promise<ValidationSnapshot> {
  await db.exec('SET default_transaction_read_only = on;');
  const result = await db.query<{ result: unknown }>(validationSql(RESTORE_POINT));
  // psql -At prints the json column as text: parse exactly that form
  return parseValidationSnapshot(JSON.stringify(result.rows[0]?.result));
}

function failed(restored: ValidationSnapshot, live: ValidationSnapshot): string[] {
  return compareValidation(restored, live, { restorePoint: RESTORE_POINT })
    .filter((c) => !c.passed)
    .map((c) => c.id);
}

describeUpstream('restore validation SQL on PostgreSQL (PGlite + Coder dump.sql)', () => {
  beforeAll(seedSchema);

  it('passes a faithful copy although the live database gained rows after the restore point', async () => {
    const restored = await snapshot(await database());
    const live = await snapshot(await database(LIVE_AFTER_RESTORE_POINT));
    expect(restored.migration).toEqual({ version: 564, dirty: false });
    expect(restored.tablesPresent).toHaveLength(118);
    expect(restored.unloggedTables).toHaveLength(7);
    expect(restored.counts.users).toEqual({ total: 2, createdAfterRestorePoint: 0 });
    expect(live.counts.users).toEqual({ total: 3, createdAfterRestorePoint: 1 });
    expect(restored.counts.groups).toEqual({ total: 1, createdAfterRestorePoint: null });
    expect(restored.owners).toBe(1);
    expect(restored.newestWorkspaceBuildAt).toBe('2026-11-20T11:00:00.000000Z');
    expect(live.newestAuditLogAt).toBe('2026-11-20T13:00:00.000000Z');
    expect(failed(restored, live)).toEqual([]);
  });

  it('fails a copy whose last migration is dirty', async () => {
    const restored = await snapshot(await database('UPDATE schema_migrations SET dirty = true;'));
    const live = await snapshot(await database());
    expect(failed(restored, live)).toEqual(['migration-clean']);
  });

  it('fails a copy at another migration version', async () => {
    const restored = await snapshot(await database('UPDATE schema_migrations SET version = 509;'));
    const live = await snapshot(await database());
    expect(failed(restored, live)).toEqual(['migration-version']);
  });

  it('reports a missing table instead of erroring, and still runs the other checks', async () => {
    const restored = await snapshot(await database('DROP TABLE workspace_builds CASCADE;'));
    const live = await snapshot(await database());
    expect(restored.counts.workspace_builds.total).toBeNull();
    expect(restored.newestWorkspaceBuildAt).toBeNull();
    expect(failed(restored, live)).toEqual(['expected-tables', 'tables-match-live', 'count-workspace-builds']);
  });

  it('fails when live counts differ by more than the rows created after the restore point', async () => {
    // a template that existed before the restore point is missing from the copy
    const restored = await snapshot(await database());
    const live = await snapshot(
      await database(`INSERT INTO templates (id, created_at, updated_at, organization_id, name, provisioner, active_version_id, created_by)
        VALUES ('0b8b0c1e-0000-4000-8000-0000000000bb', '${BEFORE}', '${BEFORE}', '${ORG}', 'second', 'terraform', '${VERSION}', '${OWNER}');`),
    );
    const checks = compareValidation(restored, live, { restorePoint: RESTORE_POINT });
    expect(checks.find((c) => c.id === 'count-templates')).toMatchObject({ passed: false, restored: 1, live: 2 });
    expect(failed(restored, live)).toEqual(['count-templates']);
  });

  it('fails a copy that holds rows newer than the restore point, or no owner', async () => {
    const restored = await snapshot(await database(`${LIVE_AFTER_RESTORE_POINT} UPDATE users SET rbac_roles = '{}';`));
    const live = await snapshot(await database(LIVE_AFTER_RESTORE_POINT));
    expect(failed(restored, live)).toEqual(
      expect.arrayContaining(['owner-present', 'restore-point-evidence', 'count-users']),
    );
  });

  it('does not count deleted or system owners nor a deleted default organization, but counts deleted user rows', async () => {
    const faithful = await snapshot(await database());
    // Coder deletes users and organizations softly (deleted = true): the rows stay, but they are gone. Coder
    // refuses to delete an organization that still has live workspaces or templates, so those go first.
    const broken = await snapshot(
      await database(`UPDATE users SET deleted = true WHERE id = '${OWNER}';
      UPDATE users SET rbac_roles = '{owner}' WHERE id = '${PREBUILDS}';
      UPDATE workspaces SET deleted = true; UPDATE templates SET deleted = true; UPDATE organizations SET deleted = true WHERE id = '${ORG}';`),
    );
    expect(broken.owners).toBe(0); // the deleted owner and the system user with the owner role are no owners
    expect(broken.defaultOrganizations).toBe(0);
    expect(failed(broken, faithful)).toEqual(expect.arrayContaining(['owner-present', 'default-organization']));
    // User rows are counted deleted ones included: a user deleted live after the restore point is no mismatch
    const live = await snapshot(
      await database(`UPDATE users SET deleted = true, updated_at = '${AFTER}' WHERE id = '${PREBUILDS}';`),
    );
    expect(live.counts.users).toEqual(faithful.counts.users);
    expect(failed(faithful, live)).toEqual([]);
  });

  it('refuses a restore point that is not an ISO UTC time (it is spliced into SQL)', () => {
    expect(() => validationSql("2026-01-01'; DROP TABLE users; --")).toThrow(TypeError);
  });
});
