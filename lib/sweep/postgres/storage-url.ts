/**
 * Recognising a `--storage` URL. Apart from open.ts (which loads the pg driver and pg-boss) so that
 * commands reading a sweep folder can check their flags without loading either.
 */
import { redactUrl } from './redact';

/** True for `postgres://` and `postgresql://` URLs (the `--storage` values this store handles). */
export function isPostgresUrl(storage: string): boolean {
  return /^postgres(ql)?:\/\//i.test(storage);
}

/**
 * The `--storage` URL a command should use: the flag, else `$LAYERWISE_STORAGE`, else undefined.
 * Throws a message-only Error (naming the option, the redacted value and what is allowed) when the
 * value is not a PostgreSQL URL; callers turn it into their usage error.
 */
export function storageUrlOf(flag: string | undefined, environment: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = flag ?? (environment.LAYERWISE_STORAGE || undefined);
  if (url === undefined) return undefined;
  if (!isPostgresUrl(url)) throw new Error(`--storage: got "${redactUrl(url)}"; allowed: a postgres:// or postgresql:// URL`);
  return url;
}
