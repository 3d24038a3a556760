/**
 * Connecting to PostgreSQL: credentials from the URL or the standard `PG*` environment variables
 * (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE, ... as libpq and `pg` read them), a
 * pool that survives the server going away, and recognising the errors that mean "try again".
 */
import { Pool, PoolClient } from 'pg';
import { redactError, redactUrl, secretsOf } from './redact';

/** Connection settings for the PostgreSQL store. */
export interface PostgresConnectionArgs {
  /**
   * `postgres://user:password@host:port/database?sslmode=...`. Any part left out comes from the
   * `PG*` environment variables (e.g. `postgres://db.internal/sweeps` with PGUSER/PGPASSWORD set),
   * and `postgres://` alone uses the environment for everything.
   */
  url: string;
  /** Most connections this process opens. Default: 4 (a worker needs 2: work and heartbeats). */
  maxConnections?: number;
  /** `application_name` shown in pg_stat_activity. Default: 'layerwise'. */
  applicationName?: string;
  /** Milliseconds one connection attempt may take before it counts as failed (an unroutable host never answers). Default: 2000. */
  connectTimeoutMs?: number;
}

/** Default of {@link PostgresConnectionArgs.connectTimeoutMs}. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 2000;

/** SQLSTATE classes and Node error codes after which the same operation may succeed if retried. */
const TRANSIENT_CODES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up / recovering)
  '08000', '08001', '08003', '08004', '08006', '08007', // connection exceptions
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '53300', // too_many_connections
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
]);

/** True for errors that mean the server was unreachable, restarting or asked us to retry. */
export function isTransientError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
  const message = error instanceof Error ? error.message : String(error);
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|terminating connection|the database system is (starting up|shutting down|in recovery mode)|Connection ended|not queryable/i.test(
    message,
  );
}

/** A `pg` pool for `url` that never crashes the process when an idle connection dies. */
export function createPool(args: PostgresConnectionArgs): { pool: Pool; secrets: string[]; displayUrl: string } {
  const secrets = secretsOf(args.url);
  const displayUrl = redactUrl(args.url);
  let pool: Pool;
  try {
    pool = new Pool({
      connectionString: args.url,
      max: args.maxConnections ?? 4,
      application_name: args.applicationName ?? 'layerwise',
      connectionTimeoutMillis: args.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    });
  } catch (error) {
    throw redactError(error, secrets, `cannot use PostgreSQL URL ${displayUrl}`);
  }
  // Without a listener, an idle client dying (server restart) would be an uncaught 'error' event.
  pool.on('error', () => undefined);
  return { pool, secrets, displayUrl };
}

/** Runs `body` inside BEGIN/COMMIT on one pooled client; rolls back on any error. */
export async function inTransaction<T>(pool: Pool, body: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  // A connection that dies while checked out emits 'error' on the client (the pool only listens on
  // idle ones); unheard, that would crash the process. The pending query rejects anyway.
  const onError = (): void => {
    broken = true;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await body(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch {
      broken = true;
    }
    if (isTransientError(error)) broken = true;
    throw error;
  } finally {
    client.off('error', onError);
    // A client whose connection failed must not go back to the pool.
    client.release(broken ? true : undefined);
  }
}

/** What {@link RetryPolicy.onRetry} is told before each wait. */
export interface RetryNotice {
  /** The transient error that failed the attempt. */
  error: unknown;
  /** 1-based number of the attempt that failed. */
  attempt: number;
  /** Most attempts, when the policy limits them. */
  maxAttempts?: number;
  /** Milliseconds until the next attempt. */
  delayMs: number;
  /** Milliseconds since the first attempt. */
  elapsedMs: number;
  /** Milliseconds after the first attempt when retrying stops. */
  deadlineMs: number;
}

/** How long and how often to retry operations while the server is unreachable. */
export interface RetryPolicy {
  /** Give up after this many milliseconds of consecutive transient failures. Default: 120000. */
  deadlineMs?: number;
  /** Give up after this many attempts (the first included). Default: no limit but the deadline. */
  maxAttempts?: number;
  /** First wait between attempts; doubles up to `maxDelayMs`. Default: 100. */
  initialDelayMs?: number;
  /** Longest wait between attempts. Default: 2000. */
  maxDelayMs?: number;
  /** Told before each wait (progress: "retrying in ..."). Default: nothing. */
  onRetry?: (notice: RetryNotice) => void;
}

/**
 * The policy for reaching a server the first time (opening a store): a wrong host or port must
 * fail within seconds, not after the long deadline meant for an established connection that
 * drops while a sweep runs. 3 attempts, 0.25 s then 0.5 s apart, each at most
 * `connectTimeoutMs` (2 s): an unreachable server fails in about 1 s (refused) to 7 s (no answer).
 */
export const CONNECT_RETRY: Required<Omit<RetryPolicy, 'onRetry'>> = { maxAttempts: 3, initialDelayMs: 250, maxDelayMs: 500, deadlineMs: 10000 };

/** Runs `operation` again after transient errors (server restarting, connection reset) until the deadline or the attempt limit. */
export async function retryTransient<T>(operation: () => Promise<T>, policy: RetryPolicy = {}): Promise<T> {
  const started = Date.now();
  const deadlineMs = policy.deadlineMs ?? 120000;
  const deadline = started + deadlineMs;
  let delay = policy.initialDelayMs ?? 100;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!isTransientError(error) || Date.now() + delay > deadline) throw error;
      if (policy.maxAttempts !== undefined && attempt >= policy.maxAttempts) throw error;
      policy.onRetry?.({ error, attempt, maxAttempts: policy.maxAttempts, delayMs: delay, elapsedMs: Date.now() - started, deadlineMs });
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, policy.maxDelayMs ?? 2000);
    }
  }
}
