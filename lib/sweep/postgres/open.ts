/**
 * Entry points the CLI wires: recognising a `--storage` URL, opening the store, enqueueing a sweep.
 */
import type { OpenSweepArgs, TrialSpec } from '../storage/storage';
import { PostgresStoreArgs, PostgresTrialStore, SweepRow } from './store';

/** True for `postgres://` and `postgresql://` URLs (the `--storage` values this store handles). */
export function isPostgresUrl(storage: string): boolean {
  return /^postgres(ql)?:\/\//i.test(storage);
}

/**
 * Opens (and migrates) the PostgreSQL store at `url`. Missing parts of the URL come from the PG*
 * environment variables. Errors never contain the password.
 */
export function openPostgresStore(url: string, options: Omit<PostgresStoreArgs, 'url'> = {}): Promise<PostgresTrialStore> {
  return PostgresTrialStore.open({ ...options, url });
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
