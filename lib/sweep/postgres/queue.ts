/**
 * The job queue under the PostgreSQL store: pg-boss 10, used only through its public API and always
 * on OUR connection, inside OUR transaction (pg-boss's `db` option), so that a queue transition
 * (claim, complete, fail/retry) and the matching trial-row update commit or roll back together.
 *
 * What pg-boss does here:
 *  - atomic claiming: `fetch` is `SELECT ... FOR UPDATE SKIP LOCKED` + `UPDATE state='active'`;
 *  - retries and the retry limit: `fail` re-queues a job (`retry`) while retry_count < retry_limit,
 *    else marks it `failed`; a re-fetch counts the retry;
 *  - its own schema and migrations (in schema `<ours>_queue`, under its own advisory lock).
 *
 * What pg-boss 10 cannot express, so the store does it in its own tables (see store.ts):
 *  - heartbeats: pg-boss's expiry is a fixed `expire_in` counted from `started_on`, with no API to
 *    extend it while a trial of unknown length is alive. We keep `heartbeat_at = now()` (database
 *    clock) on the trial row and fail stale trials ourselves, with `SELECT ... FOR UPDATE SKIP LOCKED`
 *    over the trial rows, then hand the job to pg-boss's `fail` so its retry logic decides.
 *    pg-boss's own expiry/maintenance is therefore switched off (`supervise: false`).
 *  - exactly-once completion: pg-boss's `complete` only checks `state = 'active'` and the job id,
 *    which a re-fetched job also satisfies, so a worker whose lease expired could complete the new
 *    attempt's job. Our trial row carries an attempt number (a fencing token) and every write of a
 *    result is conditional on `state = 'running' AND attempt = <the writer's attempt>`.
 *  - claiming a chosen trial (`claimTrial` with `trialIds`, as the sweep runner does): `fetch`
 *    serves its own order and cannot filter. We lock the trial row ourselves (SKIP LOCKED) and take
 *    its job out of the queue with `cancel`; `resume` puts it back when the attempt is requeued.
 *  - `fetch` swallows SQL errors and returns [] (pg-boss assumes only unique violations happen
 *    there); a server restart would look like an empty queue. The transaction adapter below records
 *    every error so the store rethrows it.
 */
import PgBoss from 'pg-boss';
import type { Pool, PoolClient } from 'pg';

/** pg-boss's executeSql contract over one client, remembering errors pg-boss might swallow. */
export class TransactionDb {
  readonly errors: unknown[] = [];

  constructor(private readonly client: PoolClient | Pool) {}

  async executeSql(text: string, values?: unknown[]): Promise<{ rows: any[] }> {
    try {
      return await this.client.query(text, values as unknown[]);
    } catch (error) {
      this.errors.push(error);
      throw error;
    }
  }

  /** Throws the first error pg-boss saw, if any. */
  rethrow(): void {
    if (this.errors.length > 0) throw this.errors[0];
  }
}

/** Longest expiry pg-boss accepts (< 24 h). Unused while supervise is off, but required per job. */
export const QUEUE_EXPIRE_SECONDS = 23 * 3600;

/** Queue name of a sweep: derived from its row id, so any sweep name is allowed. */
export function queueNameOf(sweepId: number | string): string {
  return `layerwise_sweep_${sweepId}`;
}

/** pg-boss over our pool, with maintenance, cron and expiry off (we own heartbeats and staleness). */
export async function startQueue(pool: Pool, schema: string): Promise<PgBoss> {
  const boss = new PgBoss({
    db: new TransactionDb(pool),
    schema: `${schema}_queue`,
    supervise: false,
    schedule: false,
    migrate: true,
  });
  boss.on('error', () => undefined);
  await boss.start();
  return boss;
}
