/**
 * Entry points the CLI wires: recognising a `--storage` URL, opening the store, enqueueing a sweep.
 */
import type { TrialRecord } from '../record';
import type { OpenSweepArgs, TrialSpec } from '../storage/storage';
import type { TrialSummary } from '../storage/trial-summary';
import type { RetryNotice } from './connection';
import { redactText, redactUrl, secretsOf } from './redact';
import { PostgresStoreArgs, PostgresTrialStore, SweepRow } from './store';

// Recognising a `--storage` URL needs no database driver: storage-url.ts, re-exported here.
export { isPostgresUrl, storageUrlOf } from './storage-url';
import { isPostgresUrl } from './storage-url';

/**
 * Opens (and migrates) the PostgreSQL store at `url`. Missing parts of the URL come from the PG*
 * environment variables. Errors never contain the password.
 */
export function openPostgresStore(url: string, options: Omit<PostgresStoreArgs, 'url'> = {}): Promise<PostgresTrialStore> {
  const retry = { ...options.retry };
  // Commands say what they wait for: a lost connection is retried with backoff, and said so.
  if (retry.onRetry === undefined) retry.onRetry = (notice) => process.stderr.write(`layerwise: ${describeRetry(redactUrl(url), notice, secretsOf(url))}\n`);
  return PostgresTrialStore.open({ ...options, url, retry });
}

/** One progress line for a retry: what failed, which attempt, how long until the next one and until giving up. */
export function describeRetry(displayUrl: string, notice: RetryNotice, secrets: readonly string[] = []): string {
  const cause = (notice.error as { code?: unknown })?.code ?? (notice.error instanceof Error ? notice.error.message : String(notice.error));
  const of = notice.maxAttempts !== undefined ? ` of ${notice.maxAttempts}` : '';
  const left = Math.max(0, (notice.deadlineMs - notice.elapsedMs) / 1000);
  return (
    `PostgreSQL at ${displayUrl} not reachable (${redactText(String(cause), secrets)}); attempt ${notice.attempt}${of} failed, ` +
    `retrying in ${(notice.delayMs / 1000).toFixed(2)} s (giving up after ${left.toFixed(0)} s more)`
  );
}

/**
 * Creates or opens the sweep and enqueues its trials (those not enqueued before). Idempotent:
 * running `layerwise sweep --storage URL` twice enqueues nothing new the second time.
 */
export async function enqueueSweep(
  store: PostgresTrialStore,
  sweep: OpenSweepArgs,
  trials: readonly TrialSpec[],
): Promise<{ sweep: SweepRow; added: string[]; existing: string[] }> {
  const info = await store.openSweep(sweep);
  const { added, existing } = await store.enqueueNewTrials(info.name, trials);
  return { sweep: info, added, existing };
}


/** What `readStoredSweep` returns: the sweep as stored and all its trials. */
export interface StoredSweep {
  /** The store's URL with the password masked. */
  displayUrl: string;
  sweep: SweepRow;
  /** Every trial of the sweep, in enqueue order. */
  trials: TrialRecord[];
}

/**
 * Reads one sweep of the store at `url` (for `layerwise status` and `report`), without changing
 * anything but the schema version (migrations run as when any worker opens the store). Throws a
 * redacted error listing the stored sweeps when there is no sweep `sweepName`.
 */
export async function readStoredSweep(url: string, sweepName: string, options: Omit<PostgresStoreArgs, 'url'> = {}): Promise<StoredSweep> {
  const store = await openPostgresStore(url, options);
  try {
    const sweep = await store.requireSweep(sweepName);
    return { displayUrl: store.displayUrl, sweep, trials: await store.listTrials(sweepName) };
  } finally {
    await store.close();
  }
}

/** What `readStoredSweepSummaries` returns: the sweep as stored and all its trials without epochs. */
export interface StoredSweepSummaries extends Omit<StoredSweep, 'trials'> {
  /** Every trial of the sweep, in enqueue order, without per-epoch records (`listTrialSummaries`). */
  trials: TrialSummary[];
}

/**
 * `readStoredSweep` without per-epoch records (`listTrialSummaries`: epochs counted, never
 * fetched): what `layerwise status --storage` needs, at a few hundred bytes a trial.
 */
export async function readStoredSweepSummaries(url: string, sweepName: string, options: Omit<PostgresStoreArgs, 'url'> = {}): Promise<StoredSweepSummaries> {
  const store = await openPostgresStore(url, options);
  try {
    const sweep = await store.requireSweep(sweepName);
    return { displayUrl: store.displayUrl, sweep, trials: await store.listTrialSummaries(sweepName) };
  } finally {
    await store.close();
  }
}
