/**
 * Keeping database credentials out of everything we print or throw.
 *
 * A `postgres://user:secret@host/db` URL is only ever shown as `postgres://user:***@host/db`, and every
 * error that leaves the PostgreSQL store is rebuilt from a redacted message (no `cause` chain that an
 * `util.inspect` could print): the password of the URL, its URL-encoded form and `PGPASSWORD` are
 * replaced by `***` wherever they appear.
 */

const MASK = '***';

/**
 * The URL with its password (and any `password=` query parameter) replaced by `***`. A string that
 * is not a URL is masked after the scheme as a whole, because we cannot tell where a password is.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url);
    return scheme ? `${scheme[0]}${MASK}` : MASK;
  }
  if (parsed.password) parsed.password = MASK;
  for (const key of [...parsed.searchParams.keys()]) {
    if (/pass/i.test(key)) parsed.searchParams.set(key, MASK);
  }
  // URL encodes the mask in the password position; show it plainly.
  return parsed.toString().replace(encodeURIComponent(MASK), MASK).replace(/%2A%2A%2A/g, MASK);
}

/** Every secret string a URL and the environment may carry, longest first (raw and URL-decoded forms). */
export function secretsOf(url: string | undefined, environment: NodeJS.ProcessEnv = process.env): string[] {
  const secrets = new Set<string>();
  if (url) {
    try {
      const parsed = new URL(url);
      if (parsed.password) {
        secrets.add(parsed.password);
        secrets.add(safeDecode(parsed.password));
      }
      for (const [key, value] of parsed.searchParams) if (/pass/i.test(key) && value) secrets.add(value);
    } catch {
      // Not parseable: the whole URL is the only thing we can hide.
      secrets.add(url);
    }
  }
  if (environment.PGPASSWORD) secrets.add(environment.PGPASSWORD);
  return [...secrets].filter((secret) => secret.length > 0).sort((a, b) => b.length - a.length);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** `text` with every URL in it redacted and every secret replaced by `***`. */
export function redactText(text: string, secrets: readonly string[]): string {
  let result = text.replace(/postgres(?:ql)?:\/\/[^\s'"]+/gi, (match) => redactUrl(match));
  for (const secret of secrets) result = result.split(secret).join(MASK);
  return result;
}

/**
 * The error thrown by the PostgreSQL store. Its message is already redacted; `code` keeps the
 * PostgreSQL SQLSTATE or Node error code (e.g. '57P01', 'ECONNREFUSED') so callers can classify it.
 */
export class PostgresStoreError extends Error {
  readonly code?: string;

  constructor(message: string, code?: string) {
    super(message);
    this.name = 'PostgresStoreError';
    this.code = code;
  }
}

/** Rebuilds any thrown value as a `PostgresStoreError` whose message and stack carry no secret. */
export function redactError(error: unknown, secrets: readonly string[], context?: string): PostgresStoreError {
  if (error instanceof PostgresStoreError && !context) return error;
  const raw = error instanceof Error ? error.message : String(error);
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : undefined;
  const message = redactText(context ? `${context}: ${raw}` : raw, secrets);
  return new PostgresStoreError(message, code);
}
