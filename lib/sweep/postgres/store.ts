/**
 * A sweep's trials in PostgreSQL, shared by any number of workers on any number of machines, in the
 * design of Optuna's RDB storage: the database is the single source of truth for the queue, the
 * results, resume and reporting.
 *
 * The trial table IS the queue: one state machine, one row per trial, no job table beside it.
 *
 *   waiting --claim--> running --finishTrial--> complete | pruned | diverged | failed
 *                         |--requeueTrial (the runner retries)--> waiting
 *                         \--stale heartbeat--> waiting while attempt < max_attempts, else failed
 *
 * Every transition is ONE SQL statement (data-modifying CTEs), so it is atomic without an explicit
 * transaction and costs one round trip:
 *  - claim: `SELECT id ... WHERE state = 'waiting' ORDER BY <queue order> LIMIT 1 FOR UPDATE SKIP
 *    LOCKED`, then `UPDATE ... SET state = 'running', attempt = attempt + 1, heartbeat_at = now()`,
 *    the abandoned attempt's epochs deleted and the attempt history row inserted. SKIP LOCKED lets
 *    concurrent claimers pass over each other's candidate row instead of waiting on it; the partial
 *    index `trials_waiting` (waiting rows only) keeps the search short whatever the sweep's size.
 *  - stale release: running rows whose `heartbeat_at` is older than the sweep's grace period
 *    (database clock), locked with SKIP LOCKED, go back to waiting, or to failed once `attempt`
 *    reached the sweep's `max_attempts` (the retry limit);
 *  - requeue, epoch writes, heartbeats and finishing are conditional on `state = 'running' AND
 *    attempt = <the writer's attempt>`.
 * The pg-boss design this replaces (trial rows plus pg-boss jobs, kept in step, with cancel/resume
 * to claim chosen trials) was measured against this one in one run; the figures and the reasons
 * are in docs/distributed.md ("Why the trial table is the queue").
 *
 * Fencing: `attempt` counts claims. A running trial belongs to the lease (trial, attempt) that
 * claimed it; heartbeats, epoch values and the final result are written only while the row is still
 * `running` with that attempt. A worker that lost its lease (it was judged stale and the trial was
 * re-queued or taken by another worker) gets a TrialStateError and its result is not recorded, so
 * a trial completes exactly once. Retrying our own completion after a lost COMMIT acknowledgement is
 * recognised from the attempt history and answered with the record, not recorded twice.
 *
 * Staleness uses the database clock only (`now()`), so worker clocks may disagree.
 */
import type { BackendChoice } from '../../backend/measure';
import type { Pool } from 'pg';
import type { EpochRecord } from '../../train/record';
import type { TrialRecord, TrialState } from '../record';
import type { TrialSummary } from '../storage/trial-summary';
import {
  ClaimArgs,
  OpenSweepArgs,
  SweepDefinitionChangedError,
  SweepInfo,
  TrialResult,
  TrialSpec,
  TrialStateError,
  TrialStorage,
} from '../storage/storage';
import { CONNECT_RETRY, DEFAULT_CONNECT_TIMEOUT_MS, isTransientError, createPool, inTransaction, PostgresConnectionArgs, retryTransient, RetryPolicy } from './connection';
import { assertSchemaName, migrate, schemaVersion } from './migrations';
import { PostgresStoreError, redactError } from './redact';
import { changedFields } from '../definition-config';
import { trialAtClipCeiling } from '../../train/divergence';
import type { SweepDefinition } from '../definition';
import type { StoreCapabilities } from '../loop/capabilities';

/** States after which a trial never changes again. */
export const FINISHED_STATES: readonly TrialState[] = ['complete', 'pruned', 'failed', 'diverged'];

/** Options of `PostgresTrialStore.open`. */
export interface PostgresStoreArgs extends PostgresConnectionArgs {
  /** Schema for our tables. Default: 'layerwise'. */
  schema?: string;
  /** Apply pending migrations when opening. Default: true. */
  migrate?: boolean;
  /** Retrying while an established server is unreachable or restarting (a sweep's operations). Default: see RetryPolicy (120 s). */
  retry?: RetryPolicy;
  /** Retrying the first connection, when the store opens. Default: CONNECT_RETRY (3 attempts, a few seconds). */
  connectRetry?: RetryPolicy;
  /**
   * Seconds without a heartbeat after which a running trial is stale, for sweeps this store
   * creates. Workers should beat at least 3 times per grace period. Default: 30.
   */
  graceSeconds?: number;
}

/**
 * What a store shared by many machines adds to `TrialStorage`: heartbeats are required, stale
 * trials are failed by whoever looks next, and counts are cheap.
 */
export interface SharedTrialStorage extends TrialStorage {
  /** Refreshes the attempt's heartbeat (database clock); a lost attempt is ignored. */
  heartbeat(sweepName: string, trialId: string, attempt: number): Promise<void>;
  /** Heartbeat that says whether the attempt still owns the trial (false: stop working on it). */
  beat(sweepName: string, trialId: string, attempt: number): Promise<boolean>;
  /** recordEpoch that says whether it was written (false: the attempt lost the trial). */
  recordOwnedEpoch(sweepName: string, trialId: string, attempt: number, epoch: EpochRecord): Promise<boolean>;
  /** enqueueTrials that says which trial ids were new. */
  enqueueNewTrials(sweepName: string, trials: readonly TrialSpec[]): Promise<{ added: string[]; existing: string[] }>;
  /** Fails running trials whose heartbeat is older than the grace period; re-queues them while attempts remain. */
  failStaleTrials(sweepName: string): Promise<StaleReport>;
  /** Number of trials in each state. */
  countTrials(sweepName: string): Promise<TrialCounts>;
  /** The sweep, or undefined (no definition needed: for workers, `status` and `report`). */
  findSweep(sweepName: string): Promise<SweepRow | undefined>;
}

/** What is stored about a sweep. */
export interface SweepRow extends SweepInfo {
  id: number;
  /** Runs of one trial before it stays failed (first run included): execution.retries + 1. */
  maxAttempts: number;
  graceSeconds: number;
}

export interface StaleReport {
  /** Trials put back to waiting for another attempt. */
  requeued: string[];
  /** Trials that reached the retry limit. */
  failed: string[];
}

export type TrialCounts = Record<TrialState, number>;

function isoOrUndefined(value: unknown): string | undefined {
  return value instanceof Date ? value.toISOString() : value == null ? undefined : String(value);
}

/**
 * True when a failed attempt shows that a PostgreSQL server answers at this address: it accepted
 * the connection and then said it is starting, recovering or shutting down (SQLSTATE 57P01-57P03),
 * or dropped an accepted connection. Then the address is right and the outage is a restart.
 */
export function serverAnswered(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (code === '57P01' || code === '57P02' || code === '57P03') return true;
  const message = error instanceof Error ? error.message : String(error);
  return /Connection terminated unexpectedly|the database system is (starting up|shutting down|in recovery mode|not yet accepting connections)|terminating connection/i.test(message);
}

/**
 * Opening a store: fail fast (policy `connect`) while nothing has answered at the address, since
 * a wrong host or port is a configuration error; but once a server has answered (it is restarting:
 * a worker started, or restarted, during a database restart), wait for it under the long policy
 * `outage` like any operation of a running sweep, saying so through `outage.onRetry`.
 */
export async function retryFirstContact<T>(operation: () => Promise<T>, connect: RetryPolicy, outage: RetryPolicy): Promise<T> {
  let answered = false;
  try {
    return await retryTransient(operation, {
      ...connect,
      onRetry: (notice) => {
        answered = answered || serverAnswered(notice.error);
        connect.onRetry?.(notice);
      },
    });
  } catch (error) {
    if (!isTransientError(error) || !(answered || serverAnswered(error))) throw error;
    return retryTransient(operation, outage);
  }
}

export class PostgresTrialStore implements SharedTrialStorage {
  /** Many workers on many machines; dead ones are found by their missing heartbeats; stale attempts' writes are refused. */
  readonly capabilities: StoreCapabilities = { shared: true, heartbeats: true, fencedWrites: true };
  private closed = false;
  /** A sweep's id never changes once created: cached for the hot paths (claim, stale check). */
  private readonly sweepCache = new Map<string, SweepRow>();

  private constructor(
    private readonly pool: Pool,
    /** Schema name (validated identifier). */
    readonly schema: string,
    /** The URL with its password masked: safe to print. */
    readonly displayUrl: string,
    private readonly secrets: string[],
    private readonly retryPolicy: RetryPolicy,
    /** Grace period given to sweeps this store creates. */
    readonly graceSeconds: number,
  ) {}

  /** Connects and applies migrations (unless told not to). */
  static async open(args: PostgresStoreArgs): Promise<PostgresTrialStore> {
    const schema = args.schema ?? 'layerwise';
    assertSchemaName(schema);
    const graceSeconds = args.graceSeconds ?? 30;
    if (!(graceSeconds > 0)) throw new PostgresStoreError(`graceSeconds: got ${graceSeconds}; allowed: a number > 0`);
    const { pool, secrets, displayUrl } = createPool(args);
    const started = Date.now();
    const retry = args.retry ?? {};
    // The first contact fails fast (a wrong host or port is a configuration error, not an outage).
    const connect: RetryPolicy = { ...CONNECT_RETRY, onRetry: retry.onRetry, ...args.connectRetry };
    const firstContact = <T>(operation: () => Promise<T>): Promise<T> => retryFirstContact(operation, connect, retry);
    try {
      if (args.migrate ?? true) await firstContact(() => migrate(pool, { schema }));
      else {
        const version = await firstContact(() => schemaVersion(pool, schema));
        if (version === 0) throw new PostgresStoreError(`no layerwise store in schema "${schema}" at ${displayUrl}; open it once with migrations on`);
      }
      return new PostgresTrialStore(pool, schema, displayUrl, secrets, retry, graceSeconds);
    } catch (error) {
      await pool.end().catch(() => undefined);
      const unreachable = isTransientError(error)
        ? ` (not reachable: gave up after ${connect.maxAttempts ?? 'several'} attempts in ${((Date.now() - started) / 1000).toFixed(1)} s, ` +
          `each allowed ${((args.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS) / 1000).toFixed(1)} s; check the host and port, and that the server is running)`
        : '';
      throw redactError(error, secrets, `cannot open the PostgreSQL store at ${displayUrl}${unreachable}`);
    }
  }

  /** Runs a store operation with transient-error retries and redacted errors. */
  private async run<T>(what: string, operation: () => Promise<T>): Promise<T> {
    if (this.closed) throw new PostgresStoreError(`${what}: the store at ${this.displayUrl} is closed`);
    try {
      return await retryTransient(operation, this.retryPolicy);
    } catch (error) {
      // Our own typed errors name the redacted URL only; callers match on their classes.
      if (error instanceof TrialStateError || error instanceof SweepDefinitionChangedError || error instanceof PostgresStoreError) throw error;
      throw redactError(error, this.secrets, `${what} (${this.displayUrl})`);
    }
  }

  private table(name: string): string {
    return `${this.schema}.${name}`;
  }

  // ---------------------------------------------------------------- sweeps

  /**
   * Creates the sweep, or opens it when it exists with the same fingerprint. A different
   * fingerprint is a SweepDefinitionChangedError unless `extend` (then the stored definition and
   * retry limit are replaced; trials are kept). The retry limit comes from `execution.retries`.
   */
  async openSweep(args: OpenSweepArgs): Promise<SweepRow> {
    const { definition, fingerprint } = args;
    const name = definition?.name;
    if (typeof name !== 'string' || name.length === 0) {
      throw new PostgresStoreError(`definition.name: got ${JSON.stringify(name)}; allowed: a non-empty string`);
    }
    const retries = definition.execution?.retries ?? 1;
    if (!Number.isInteger(retries) || retries < 0) {
      throw new PostgresStoreError(`definition.execution.retries: got ${JSON.stringify(retries)}; allowed: an integer >= 0`);
    }
    const maxAttempts = retries + 1;
    const row = await this.run(`opening sweep "${name}"`, () =>
      inTransaction(this.pool, async (client) => {
        const created = await client.query(
          `INSERT INTO ${this.table('sweeps')} (name, definition, definition_hash, max_attempts, grace_seconds)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING RETURNING id`,
          [name, JSON.stringify(definition), fingerprint, maxAttempts, this.graceSeconds],
        );
        const found = (await client.query(`SELECT * FROM ${this.table('sweeps')} WHERE name = $1 FOR UPDATE`, [name])).rows[0];
        if (created.rows.length === 0 && found.definition_hash !== fingerprint) {
          if (!args.extend) {
            // Canonical comparison: jsonb reorders keys, which is no change.
            throw new SweepDefinitionChangedError(
              name,
              this.displayUrl,
              changedFields(found.definition as SweepDefinition, definition),
              `use --extend to continue it with the new definition, or give the new definition another sweep name ("name") to start a separate sweep in the same database`,
            );
          }
          await client.query(`UPDATE ${this.table('sweeps')} SET definition = $2, definition_hash = $3, max_attempts = $4 WHERE id = $1`, [
            found.id,
            JSON.stringify(definition),
            fingerprint,
            maxAttempts,
          ]);
          Object.assign(found, { definition, definition_hash: fingerprint, max_attempts: maxAttempts });
        }
        return found;
      }),
    );
    const sweep = this.sweepFromRow(row);
    this.sweepCache.set(name, sweep);
    return sweep;
  }

  private sweepFromRow(row: Record<string, any>): SweepRow {
    return {
      id: Number(row.id),
      name: row.name,
      definition: row.definition,
      fingerprint: row.definition_hash,
      maxAttempts: Number(row.max_attempts),
      graceSeconds: Number(row.grace_seconds),
      createdAt: isoOrUndefined(row.created_at) ?? '',
    };
  }

  /** The sweep named `name`, or undefined. */
  async findSweep(name: string): Promise<SweepRow | undefined> {
    const rows = await this.run(`reading sweep "${name}"`, async () => (await this.pool.query(`SELECT * FROM ${this.table('sweeps')} WHERE name = $1`, [name])).rows);
    if (rows.length === 0) return undefined;
    const sweep = this.sweepFromRow(rows[0]);
    this.sweepCache.set(name, sweep);
    return sweep;
  }

  /** The sweep named `name`; throws listing the sweeps that exist when there is none. */
  async requireSweep(name: string): Promise<SweepRow> {
    const cached = this.sweepCache.get(name);
    if (cached) return cached;
    const found = await this.findSweep(name);
    if (found) return found;
    const names = await this.listSweeps();
    throw new PostgresStoreError(
      `sweep: no sweep named ${JSON.stringify(name)} in ${this.displayUrl}; sweeps there: ${names.length ? names.map((sweep) => JSON.stringify(sweep.name)).join(', ') : '(none)'}`,
    );
  }

  async listSweeps(): Promise<SweepRow[]> {
    const rows = await this.run('listing sweeps', async () => (await this.pool.query(`SELECT * FROM ${this.table('sweeps')} ORDER BY id`)).rows);
    return rows.map((row) => this.sweepFromRow(row));
  }

  // ---------------------------------------------------------------- enqueue

  /**
   * Adds trials that are not in the sweep yet (by trialId) as waiting rows, in one statement.
   * Re-enqueueing the same plan adds nothing: that is how a sweep resumes.
   */
  async enqueueTrials(sweepName: string, trials: readonly TrialSpec[]): Promise<void> {
    await this.enqueueNewTrials(sweepName, trials);
  }

  /** enqueueTrials, returning which ids were new and which already existed. */
  async enqueueNewTrials(sweepName: string, trials: readonly TrialSpec[]): Promise<{ added: string[]; existing: string[] }> {
    const sweep = await this.findSweep(sweepName).then((found) => found ?? this.requireSweep(sweepName));
    if (trials.length === 0) return { added: [], existing: [] };
    return this.run(`enqueueing ${trials.length} trials into sweep "${sweepName}"`, async () => {
      const rows = trials.map((trial) => ({
        trial_key: trial.trialId,
        config_id: trial.configId,
        arm: trial.arm,
        trial_index: trial.index,
        seed: trial.seed,
        params: trial.params,
        role: trial.role ?? null,
      }));
      // WITH ORDINALITY keeps the caller's order in the row ids: ids are the enqueue order.
      const inserted = await this.pool.query(
        `INSERT INTO ${this.table('trials')} (sweep_id, trial_key, config_id, arm, trial_index, seed, params, role, state)
         SELECT $1, r.trial_key, r.config_id, r.arm, r.trial_index, r.seed, r.params, r.role, 'waiting'
         FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(value, position),
              jsonb_to_record(e.value) AS r(trial_key text, config_id text, arm text, trial_index integer, seed bigint, params jsonb, role text)
         ORDER BY e.position
         ON CONFLICT (sweep_id, trial_key) DO NOTHING
         RETURNING trial_key`,
        [sweep.id, JSON.stringify(rows)],
      );
      const added = new Set(inserted.rows.map((row) => row.trial_key as string));
      return {
        added: trials.filter((trial) => added.has(trial.trialId)).map((trial) => trial.trialId),
        existing: trials.filter((trial) => !added.has(trial.trialId)).map((trial) => trial.trialId),
      };
    });
  }

  // ---------------------------------------------------------------- claiming

  /**
   * Fails stale trials (as Optuna's workers do before each trial), then claims the next waiting
   * trial atomically: no two workers ever hold the same trial. Returns undefined when nothing is
   * waiting. The record's `attempts` is the fencing token.
   *
   * Order: lowest trial index first, then enqueue order (arms interleave: every arm's first trial
   * before any arm's second). With `trialIds` (a runner that chooses the order, or a static shard):
   * the earliest enqueued waiting trial among those ids.
   */
  async claimTrial(sweepName: string, args: ClaimArgs = {}): Promise<TrialRecord | undefined> {
    const sweep = await this.requireSweep(sweepName);
    await this.failStaleTrials(sweepName);
    const workerId = args.workerId ?? `${process.pid}`;
    const ids = args.trialIds ? [...args.trialIds] : null;
    const order = ids ? 'id' : 'trial_index, id';
    const rows = await this.run(`claiming a trial of sweep "${sweepName}"`, async () =>
      (
        await this.pool.query(
          `WITH candidate AS (
             SELECT id FROM ${this.table('trials')}
             WHERE sweep_id = $1 AND state = 'waiting' AND ($3::text[] IS NULL OR trial_key = ANY($3::text[]))
             ORDER BY ${order} LIMIT 1 FOR UPDATE SKIP LOCKED
           ), claimed AS (
             UPDATE ${this.table('trials')} t
             SET state = 'running', attempt = t.attempt + 1, worker = $2, heartbeat_at = now(), started_at = now(), finished_at = NULL
             FROM candidate WHERE t.id = candidate.id
             RETURNING t.*
           ), cleared AS (
             -- Values of an earlier, abandoned attempt must not mix with this one's.
             DELETE FROM ${this.table('trial_epochs')} e USING claimed WHERE e.trial_id = claimed.id
           ), history AS (
             INSERT INTO ${this.table('trial_attempts')} (trial_id, attempt, worker) SELECT id, attempt, $2 FROM claimed
           )
           SELECT * FROM claimed`,
          [sweep.id, workerId, ids],
        )
      ).rows,
    );
    return rows.length === 0 ? undefined : this.recordFromRow(rows[0], sweepName, []);
  }

  /**
   * Fails running trials of the sweep whose last heartbeat is older than the sweep's grace period
   * (database clock): back to waiting while `attempt < max_attempts`, else failed for good. Called
   * before every claim, as Optuna's `fail_stale_trials`; rows another worker is handling at that
   * moment are skipped (SKIP LOCKED), so concurrent callers never release a trial twice.
   */
  async failStaleTrials(sweepName: string): Promise<StaleReport> {
    const sweep = await this.requireSweep(sweepName);
    const rows = await this.run(`failing stale trials of sweep "${sweepName}"`, async () =>
      (
        await this.pool.query(
          `WITH stale AS (
             SELECT t.id, t.attempt, s.max_attempts,
               format('heartbeat stale: no heartbeat from worker %s for %s s in attempt %s',
                      t.worker, round(extract(epoch FROM now() - t.heartbeat_at)::numeric, 1), t.attempt) AS reason
             FROM ${this.table('trials')} t JOIN ${this.table('sweeps')} s ON s.id = t.sweep_id
             WHERE t.sweep_id = $1 AND t.state = 'running' AND t.heartbeat_at < now() - make_interval(secs => s.grace_seconds)
             ORDER BY t.id
             FOR UPDATE OF t SKIP LOCKED
           ), released AS (
             UPDATE ${this.table('trials')} t
             SET state = CASE WHEN stale.attempt >= stale.max_attempts THEN 'failed' ELSE 'waiting' END,
                 error = stale.reason, heartbeat_at = NULL,
                 finished_at = CASE WHEN stale.attempt >= stale.max_attempts THEN now() END
             FROM stale WHERE t.id = stale.id
             RETURNING t.id, t.trial_key, t.state, t.attempt, t.error
           ), history AS (
             UPDATE ${this.table('trial_attempts')} a SET ended_at = now(), outcome = 'stale', error = released.error
             FROM released WHERE a.trial_id = released.id AND a.attempt = released.attempt
           )
           SELECT trial_key, state FROM released ORDER BY id`,
          [sweep.id],
        )
      ).rows,
    );
    const report: StaleReport = { requeued: [], failed: [] };
    for (const row of rows) (row.state === 'waiting' ? report.requeued : report.failed).push(row.trial_key);
    return report;
  }

  /** Throws TrialStateError when the sweep has no trial `trialId` (an attempt's write that matched no row). */
  private async requireTrial(sweep: SweepRow, trialId: string): Promise<void> {
    const found = await this.pool.query(`SELECT 1 FROM ${this.table('trials')} WHERE sweep_id = $1 AND trial_key = $2`, [sweep.id, trialId]);
    if (found.rows.length === 0) throw new TrialStateError(`trial ${trialId} is not in sweep "${sweep.name}"`);
  }

  // ---------------------------------------------------------------- running

  /** Refreshes the attempt's heartbeat (database clock); an attempt that lost the trial is ignored. */
  async heartbeat(sweepName: string, trialId: string, attempt: number): Promise<void> {
    await this.beat(sweepName, trialId, attempt);
  }

  /** Refreshes the attempt's heartbeat (database clock). False when the attempt lost the trial. */
  async beat(sweepName: string, trialId: string, attempt: number): Promise<boolean> {
    const sweep = await this.requireSweep(sweepName);
    return this.run(`heartbeat of trial ${trialId}`, async () => {
      const result = await this.pool.query(
        `UPDATE ${this.table('trials')} SET heartbeat_at = now() WHERE sweep_id = $1 AND trial_key = $2 AND state = 'running' AND attempt = $3`,
        [sweep.id, trialId, attempt],
      );
      return result.rowCount === 1;
    });
  }

  /**
   * Records one epoch's values of attempt `attempt` (and refreshes its heartbeat); durable when
   * resolved. Ignored when the attempt lost the trial.
   */
  async recordEpoch(sweepName: string, trialId: string, attempt: number, epoch: EpochRecord): Promise<void> {
    await this.recordOwnedEpoch(sweepName, trialId, attempt, epoch);
  }

  /** recordEpoch that returns false, with nothing written, when the attempt lost the trial. */
  async recordOwnedEpoch(sweepName: string, trialId: string, attempt: number, epoch: EpochRecord): Promise<boolean> {
    const sweep = await this.requireSweep(sweepName);
    const written = await this.run(`recording epoch ${epoch.epoch} of trial ${trialId}`, async () => {
      // The UPDATE locks the row while it still belongs to the attempt; the epoch is written only then.
      const result = await this.pool.query(
        `WITH owned AS (
           UPDATE ${this.table('trials')} SET heartbeat_at = now()
           WHERE sweep_id = $1 AND trial_key = $2 AND state = 'running' AND attempt = $3
           RETURNING id
         )
         INSERT INTO ${this.table('trial_epochs')} (trial_id, epoch, attempt, record)
         SELECT owned.id, ($4::jsonb->>'epoch')::integer, $3, $4::jsonb FROM owned
         ON CONFLICT (trial_id, epoch) DO UPDATE SET attempt = EXCLUDED.attempt, record = EXCLUDED.record
         RETURNING trial_id`,
        [sweep.id, trialId, attempt, JSON.stringify(epoch)],
      );
      return result.rows.length === 1;
    });
    if (!written) await this.run(`recording epoch ${epoch.epoch} of trial ${trialId}`, () => this.requireTrial(sweep, trialId));
    return written;
  }

  /**
   * Returns a running trial's attempt to waiting, to be retried (the runner decided, so this holds
   * even past the sweep's retry limit), keeping `reason` in `error`. A call from an attempt that no
   * longer owns the trial changes nothing.
   */
  async requeueTrial(sweepName: string, trialId: string, attempt: number, reason: string): Promise<void> {
    const sweep = await this.requireSweep(sweepName);
    const requeued = await this.run(`requeueing trial ${trialId}`, async () => {
      const result = await this.pool.query(
        `WITH owned AS (
           UPDATE ${this.table('trials')} SET state = 'waiting', error = $4, heartbeat_at = NULL
           WHERE sweep_id = $1 AND trial_key = $2 AND state = 'running' AND attempt = $3
           RETURNING id, attempt
         ), history AS (
           UPDATE ${this.table('trial_attempts')} a SET ended_at = now(), outcome = 'requeued', error = $4
           FROM owned WHERE a.trial_id = owned.id AND a.attempt = owned.attempt
         )
         SELECT id FROM owned`,
        [sweep.id, trialId, attempt, reason],
      );
      return result.rows.length === 1;
    });
    if (!requeued) await this.run(`requeueing trial ${trialId}`, () => this.requireTrial(sweep, trialId));
  }

  /**
   * Ends attempt `attempt` with a final state (complete, pruned, diverged or failed: all final),
   * durable once resolved. Exactly once: when the attempt no longer owns the running trial this
   * throws TrialStateError and writes nothing, except that repeating the call that already
   * finished it (a lost COMMIT acknowledgement, retried) returns the record again.
   */
  async finishTrial(sweepName: string, trialId: string, attempt: number, result: TrialResult): Promise<TrialRecord> {
    const allowed: TrialResult['state'][] = ['complete', 'pruned', 'failed', 'diverged'];
    if (!allowed.includes(result.state)) {
      throw new TrialStateError(`result.state: got ${JSON.stringify(result.state)}; allowed: ${allowed.map((state) => JSON.stringify(state)).join(', ')}`);
    }
    const sweep = await this.requireSweep(sweepName);
    const finished = await this.run(`finishing trial ${trialId}`, async () => {
      // One statement: the ownership check (the row lock taken by the UPDATE, re-checked after a
      // concurrent writer commits), the result's epochs, the row and the attempt history.
      const updated = await this.pool.query(
        `WITH finished AS (
           UPDATE ${this.table('trials')}
           SET state = $4, final = $5, run_status = $6, diverged_at_epoch = $7, backend = $8, error = $9, seconds = $10,
               training_path = $11, general_path_reason = $12, heartbeat_at = NULL, finished_at = now()
           WHERE sweep_id = $1 AND trial_key = $2 AND state = 'running' AND attempt = $3
           RETURNING *
         ), epochs AS (
           INSERT INTO ${this.table('trial_epochs')} (trial_id, epoch, attempt, record)
           SELECT finished.id, (e->>'epoch')::integer, $3, e FROM finished, jsonb_array_elements($13::jsonb) AS e
           ON CONFLICT (trial_id, epoch) DO UPDATE SET attempt = EXCLUDED.attempt, record = EXCLUDED.record
         ), history AS (
           UPDATE ${this.table('trial_attempts')} a SET ended_at = now(), outcome = $4, error = $9
           FROM finished WHERE a.trial_id = finished.id AND a.attempt = $3
         )
         SELECT * FROM finished`,
        [
          sweep.id,
          trialId,
          attempt,
          result.state,
          result.final ? JSON.stringify(result.final) : null,
          result.runStatus ?? null,
          result.divergedAtEpoch ?? null,
          result.backend ?? null,
          result.error ?? null,
          result.seconds ?? null,
          result.trainingPath ?? null,
          result.generalPathReason ?? null,
          JSON.stringify(result.epochs ?? []),
        ],
      );
      if (updated.rows.length === 1) return updated.rows[0] as Record<string, any>;
      const current = (
        await this.pool.query(
          `SELECT t.state, t.attempt, a.outcome FROM ${this.table('trials')} t LEFT JOIN ${this.table('trial_attempts')} a ON a.trial_id = t.id AND a.attempt = $3
           WHERE t.sweep_id = $1 AND t.trial_key = $2`,
          [sweep.id, trialId, attempt],
        )
      ).rows[0];
      if (!current) throw new TrialStateError(`trial ${trialId} is not in sweep "${sweepName}"`);
      if (current.outcome === result.state && current.state === result.state && Number(current.attempt) === attempt) return undefined;
      throw new TrialStateError(
        `trial ${trialId} of sweep "${sweepName}": attempt ${attempt} no longer owns it (now ${current.state}, attempt ${current.attempt}); its result was not recorded`,
      );
    });
    if (finished === undefined) {
      // The duplicate of a call that already finished this attempt: answer with what is stored.
      const [record] = await this.listTrials(sweepName, { trialIds: [trialId] });
      return record;
    }
    const epochs = await this.run(`reading epochs of trial ${trialId}`, async () =>
      (await this.pool.query(`SELECT record FROM ${this.table('trial_epochs')} WHERE trial_id = $1 ORDER BY epoch`, [finished.id])).rows.map((row) => row.record as EpochRecord),
    );
    return this.recordFromRow(finished, sweepName, epochs);
  }

  // ---------------------------------------------------------------- reading


  private recordFromRow(row: Record<string, any>, sweepName: string, epochs: EpochRecord[]): TrialRecord {
    const record: TrialRecord = {
      trialId: row.trial_key,
      configId: row.config_id,
      sweepName,
      arm: row.arm,
      index: Number(row.trial_index),
      params: row.params,
      seed: Number(row.seed),
      ...(row.role ? { role: row.role } : {}),
      state: row.state,
      attempts: Number(row.attempt),
      epochs,
    };
    if (row.error) record.error = row.error;
    if (row.final) record.final = row.final;
    if (row.run_status) record.runStatus = row.run_status;
    if (row.diverged_at_epoch != null) record.divergedAtEpoch = Number(row.diverged_at_epoch);
    if (row.backend) record.backend = row.backend;
    if (row.training_path) record.trainingPath = row.training_path;
    if (row.general_path_reason) record.generalPathReason = row.general_path_reason;
    if (row.started_at) record.startedAt = isoOrUndefined(row.started_at);
    if (row.finished_at) record.finishedAt = isoOrUndefined(row.finished_at);
    if (row.seconds != null) record.seconds = Number(row.seconds);
    // Derived, not stored: the same rule as the journal's, applied to the stored final metrics.
    if (trialAtClipCeiling(record)) record.lossAtClipCeiling = true;
    return record;
  }

  /** Every trial of the sweep with its epochs, in (arm, index) order; optionally only some states. */
  async listTrials(sweepName: string, filter: { states?: readonly TrialState[]; trialIds?: readonly string[] } = {}): Promise<TrialRecord[]> {
    const sweep = await this.requireSweep(sweepName);
    return this.run(`listing trials of sweep "${sweepName}"`, async () => {
      const states = filter.states ? [...filter.states] : null;
      const ids = filter.trialIds ? [...filter.trialIds] : null;
      const where = `t.sweep_id = $1 AND ($2::text[] IS NULL OR t.state = ANY($2)) AND ($3::text[] IS NULL OR t.trial_key = ANY($3))`;
      // One snapshot for both queries, so epochs match their trials.
      const [trials, epochs] = await inTransaction(this.pool, async (client) => {
        await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
        return [
          await client.query(`SELECT t.* FROM ${this.table('trials')} t WHERE ${where} ORDER BY t.id`, [sweep.id, states, ids]),
          await client.query(
            `SELECT e.trial_id, e.record FROM ${this.table('trial_epochs')} e JOIN ${this.table('trials')} t ON t.id = e.trial_id WHERE ${where} ORDER BY e.trial_id, e.epoch`,
            [sweep.id, states, ids],
          ),
        ];
      });
      const byTrial = new Map<string, EpochRecord[]>();
      for (const row of epochs.rows) {
        const key = String(row.trial_id);
        if (!byTrial.has(key)) byTrial.set(key, []);
        byTrial.get(key)!.push(row.record);
      }
      return trials.rows.map((row) => this.recordFromRow(row, sweepName, byTrial.get(String(row.id)) ?? []));
    });
  }

  /** Every trial of the sweep without its epochs (their count instead), in (arm, index) order; epoch records are counted, never fetched. */
  async listTrialSummaries(sweepName: string, filter: { states?: readonly TrialState[]; trialIds?: readonly string[] } = {}): Promise<TrialSummary[]> {
    const sweep = await this.requireSweep(sweepName);
    return this.run(`listing trial summaries of sweep "${sweepName}"`, async () => {
      const states = filter.states ? [...filter.states] : null;
      const ids = filter.trialIds ? [...filter.trialIds] : null;
      const rows = (
        await this.pool.query(
          // The best-validation epoch (earliest on ties; null and non-finite losses are stored as JSON null, skipped) and the last epoch: what summarize() keeps of a finished trial's epochs.
          `SELECT t.*, (SELECT count(*) FROM ${this.table('trial_epochs')} e WHERE e.trial_id = t.id)::integer AS epoch_count,
             (SELECT e.record FROM ${this.table('trial_epochs')} e WHERE e.trial_id = t.id AND jsonb_typeof(e.record->'validation'->'loss') = 'number'
               ORDER BY (e.record->'validation'->>'loss')::float8, e.epoch LIMIT 1) AS best_epoch,
             (SELECT e.record FROM ${this.table('trial_epochs')} e WHERE e.trial_id = t.id ORDER BY e.epoch DESC LIMIT 1) AS last_epoch
           FROM ${this.table('trials')} t
           WHERE t.sweep_id = $1 AND ($2::text[] IS NULL OR t.state = ANY($2)) AND ($3::text[] IS NULL OR t.trial_key = ANY($3)) ORDER BY t.id`,
          [sweep.id, states, ids],
        )
      ).rows;
      return rows.map((row) => {
        const { epochs: _epochs, ...rest } = this.recordFromRow(row, sweepName, []);
        const summary: TrialSummary = { ...rest, epochCount: Number(row.epoch_count) };
        if (!FINISHED_STATES.includes(summary.state)) return summary;
        const best = row.best_epoch as EpochRecord | null;
        if (best !== null) summary.bestEpoch = { epoch: best.epoch, train: best.train, validation: best.validation, test: best.test, penalty: best.penalty };
        if (summary.final === undefined && row.last_epoch !== null) summary.lastEpoch = row.last_epoch as EpochRecord;
        return summary;
      });
    });
  }

  /** Per-epoch records of the given trials only, in epoch order; [] for a trial without epochs or an unknown id. */
  async readTrialEpochs(sweepName: string, trialIds: readonly string[]): Promise<Map<string, EpochRecord[]>> {
    const sweep = await this.requireSweep(sweepName);
    const rows = await this.run(`reading epochs of ${trialIds.length} trial(s) of sweep "${sweepName}"`, async () =>
      (
        await this.pool.query(
          `SELECT t.trial_key, e.record FROM ${this.table('trial_epochs')} e JOIN ${this.table('trials')} t ON t.id = e.trial_id
           WHERE t.sweep_id = $1 AND t.trial_key = ANY($2::text[]) ORDER BY e.trial_id, e.epoch`,
          [sweep.id, [...trialIds]],
        )
      ).rows,
    );
    const result = new Map<string, EpochRecord[]>(trialIds.map((id) => [id, []]));
    for (const row of rows) result.get(row.trial_key)?.push(row.record);
    return result;
  }

  /** Number of trials in each state. */
  async countTrials(sweepName: string): Promise<TrialCounts> {
    const sweep = await this.requireSweep(sweepName);
    const rows = await this.run(`counting trials of sweep "${sweepName}"`, async () =>
      (await this.pool.query(`SELECT state, count(*)::integer AS n FROM ${this.table('trials')} WHERE sweep_id = $1 GROUP BY state`, [sweep.id])).rows,
    );
    const counts: TrialCounts = { waiting: 0, running: 0, complete: 0, pruned: 0, failed: 0, diverged: 0 };
    for (const row of rows) counts[row.state as TrialState] = row.n;
    return counts;
  }

  /**
   * Records the backend a process trains this sweep's trials on and why (the coordinator's, and
   * each worker's: workers choose on their own machines), so reports can say which ran and why.
   */
  async recordBackendChoice(sweepName: string, choice: BackendChoice, worker?: string): Promise<void> {
    const sweep = await this.requireSweep(sweepName);
    await this.run(`recording the backend choice of sweep "${sweepName}"`, async () => {
      await this.pool.query(`INSERT INTO ${this.table('backend_choices')} (sweep_id, worker, choice) VALUES ($1, $2, $3)`, [sweep.id, worker ?? null, JSON.stringify(choice)]);
    });
  }

  /** The backend choices recorded for a sweep, oldest first. */
  async listBackendChoices(sweepName: string): Promise<BackendChoice[]> {
    const sweep = await this.requireSweep(sweepName);
    const rows = await this.run(`reading the backend choices of sweep "${sweepName}"`, async () =>
      (await this.pool.query(`SELECT choice FROM ${this.table('backend_choices')} WHERE sweep_id = $1 ORDER BY id`, [sweep.id])).rows,
    );
    return rows.map((row) => row.choice as BackendChoice);
  }

  /** Attempt history of one trial: who ran each attempt and how it ended. */
  async attemptsOf(sweepName: string, trialId: string): Promise<{ attempt: number; worker: string; outcome: string | null; error: string | null }[]> {
    const sweep = await this.requireSweep(sweepName);
    return this.run(`reading attempts of trial ${trialId}`, async () =>
      (
        await this.pool.query(
          `SELECT a.attempt, a.worker, a.outcome, a.error FROM ${this.table('trial_attempts')} a JOIN ${this.table('trials')} t ON t.id = a.trial_id
           WHERE t.sweep_id = $1 AND t.trial_key = $2 ORDER BY a.attempt`,
          [sweep.id, trialId],
        )
      ).rows,
    );
  }

  /** Current database time (ISO): the clock heartbeats are measured against. */
  async databaseNow(): Promise<string> {
    return this.run('reading the database clock', async () => isoOrUndefined((await this.pool.query('SELECT now() AS now')).rows[0].now) ?? '');
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end().catch(() => undefined);
  }
}

