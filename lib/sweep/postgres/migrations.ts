/**
 * The versioned schema of the PostgreSQL store. Each migration is applied once, in order, inside one
 * transaction that first takes a transaction-scoped advisory lock, so any number of workers starting
 * at the same moment apply each migration exactly once and the others wait, then see it done.
 * Applied versions are rows of `<schema>.schema_version`.
 *
 * Adding a migration: append to MIGRATIONS with the next version; never edit an applied one.
 */
import type { Pool, PoolClient } from 'pg';
import { PostgresStoreError } from './redact';
import { inTransaction } from './connection';

export interface Migration {
  version: number;
  description: string;
  /** SQL statements; `{schema}` is replaced by the quoted schema name. */
  statements: string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'sweeps, trials, per-epoch values',
    statements: [
      `CREATE TABLE {schema}.sweeps (
        id bigserial PRIMARY KEY,
        name text NOT NULL UNIQUE,
        definition jsonb NOT NULL,
        definition_hash text NOT NULL,
        queue_name text NOT NULL,
        max_attempts integer NOT NULL CHECK (max_attempts >= 1),
        grace_seconds double precision NOT NULL CHECK (grace_seconds > 0),
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE TABLE {schema}.trials (
        id bigserial PRIMARY KEY,
        sweep_id bigint NOT NULL REFERENCES {schema}.sweeps(id) ON DELETE CASCADE,
        trial_key text NOT NULL,
        config_id text NOT NULL,
        arm text NOT NULL,
        trial_index integer NOT NULL,
        seed bigint NOT NULL,
        params jsonb NOT NULL,
        state text NOT NULL CHECK (state IN ('waiting', 'running', 'complete', 'pruned', 'failed', 'diverged')),
        attempt integer NOT NULL DEFAULT 0,
        job_id uuid NOT NULL,
        worker text,
        heartbeat_at timestamptz,
        started_at timestamptz,
        finished_at timestamptz,
        error text,
        final jsonb,
        run_status text,
        diverged_at_epoch integer,
        backend text,
        seconds double precision,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (sweep_id, trial_key)
      )`,
      `CREATE INDEX trials_sweep_state ON {schema}.trials (sweep_id, state)`,
      `CREATE TABLE {schema}.trial_epochs (
        trial_id bigint NOT NULL REFERENCES {schema}.trials(id) ON DELETE CASCADE,
        epoch integer NOT NULL,
        attempt integer NOT NULL,
        record jsonb NOT NULL,
        PRIMARY KEY (trial_id, epoch)
      )`,
    ],
  },
  {
    version: 2,
    description: 'attempt history (who ran each attempt and how it ended)',
    statements: [
      `CREATE TABLE {schema}.trial_attempts (
        trial_id bigint NOT NULL REFERENCES {schema}.trials(id) ON DELETE CASCADE,
        attempt integer NOT NULL,
        worker text NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        ended_at timestamptz,
        outcome text,
        error text,
        PRIMARY KEY (trial_id, attempt)
      )`,
    ],
  },
  {
    version: 3,
    description: 'training path of each trial (lean or general, and why not lean)',
    statements: [`ALTER TABLE {schema}.trials ADD COLUMN training_path text, ADD COLUMN general_path_reason text`],
  },
  {
    version: 4,
    description: 'the trial table is the queue: pg-boss jobs and queue names dropped, waiting trials indexed in claim order',
    // Nothing to move: in the pg-boss era every transition updated the trial row and its job in one
    // transaction, so the trial rows already hold the state (waiting, running or finished), the
    // attempt count the retry limit is checked against, and the heartbeat. A job only mirrored its
    // row. Trials waiting then are waiting rows now and are claimed in the same order (lowest index
    // first, the order pg-boss's priority gave); running ones keep their attempt (fencing token)
    // and heartbeat, so a live pre-upgrade worker's stale trial is released by the new code.
    statements: [
      `ALTER TABLE {schema}.trials DROP COLUMN job_id`,
      `ALTER TABLE {schema}.sweeps DROP COLUMN queue_name`,
      // Claim order (trial index, then enqueue order) over waiting rows only: a claim reads one
      // index entry however many trials the sweep has finished.
      `CREATE INDEX trials_waiting ON {schema}.trials (sweep_id, trial_index, id) WHERE state = 'waiting'`,
      // pg-boss's schema (jobs, queues, its own version table), created by layerwise before version 4.
      `DROP SCHEMA IF EXISTS {schema}_queue CASCADE`,
    ],
  },
  {
    version: 5,
    description: "role of each trial (null: selection; 'evaluation': a selected configuration re-run on a fresh seed)",
    statements: [`ALTER TABLE {schema}.trials ADD COLUMN role text CHECK (role IS NULL OR role IN ('selection', 'evaluation'))`],
  },
  {
    version: 6,
    description: 'backend choices: which backend each coordinator or worker trained on and why (timings when measured), for status and reports',
    statements: [
      `CREATE TABLE {schema}.backend_choices (
        id bigserial PRIMARY KEY,
        sweep_id integer NOT NULL REFERENCES {schema}.sweeps(id) ON DELETE CASCADE,
        worker text,
        choice jsonb NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE INDEX backend_choices_sweep ON {schema}.backend_choices (sweep_id, id)`,
    ],
  },
];

/** The newest schema version this code knows. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** Checks a schema name so it can be spliced into SQL (with room for the `_queue` suffix of the pg-boss era's schema). */
export function assertSchemaName(schema: string): void {
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(schema)) {
    throw new PostgresStoreError(`schema: got ${JSON.stringify(schema)}; allowed: lower-case letters, digits and "_", starting with a letter or "_", at most 41 characters`);
  }
}

/** Advisory lock key for migrations of `schema`: stable across processes and machines. */
function lockKey(schema: string): string {
  return `layerwise.migrate.${schema}`;
}

/** Applied schema version, or 0 when the store was never initialised. */
export async function schemaVersion(client: Pool | PoolClient, schema: string): Promise<number> {
  assertSchemaName(schema);
  const exists = await client.query(`SELECT to_regclass($1) AS name`, [`${schema}.schema_version`]);
  if (!exists.rows[0].name) return 0;
  const result = await client.query(`SELECT COALESCE(max(version), 0) AS version FROM ${schema}.schema_version`);
  return Number(result.rows[0].version);
}

export interface MigrateArgs {
  /** Schema holding the store's tables. */
  schema: string;
  /** Apply migrations up to this version only (tests of upgrades). Default: the latest. */
  targetVersion?: number;
}

/**
 * Brings the schema to `targetVersion`. Returns the versions this call applied (empty when another
 * process already had). Fails when the database is newer than this code, rather than guessing.
 */
export async function migrate(pool: Pool, args: MigrateArgs): Promise<number[]> {
  const { schema } = args;
  assertSchemaName(schema);
  const target = args.targetVersion ?? LATEST_SCHEMA_VERSION;
  return inTransaction(pool, async (client) => {
    // Serialises concurrent migrators; released at COMMIT/ROLLBACK.
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [lockKey(schema)]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${schema}.schema_version (
        version integer PRIMARY KEY,
        description text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`,
    );
    const current = await schemaVersion(client, schema);
    if (current > LATEST_SCHEMA_VERSION) {
      throw new PostgresStoreError(
        `the store's schema "${schema}" is at version ${current} but this layerwise knows versions up to ${LATEST_SCHEMA_VERSION}; upgrade layerwise`,
      );
    }
    const applied: number[] = [];
    for (const migration of MIGRATIONS) {
      if (migration.version <= current || migration.version > target) continue;
      for (const statement of migration.statements) await client.query(statement.split('{schema}').join(schema));
      await client.query(`INSERT INTO ${schema}.schema_version (version, description) VALUES ($1, $2)`, [
        migration.version,
        migration.description,
      ]);
      applied.push(migration.version);
    }
    return applied;
  });
}
