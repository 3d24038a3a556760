import type { BackendName } from './names';

/**
 * Thrown when a backend was explicitly asked for (option or `LAYERWISE_BACKEND`) but cannot be
 * set up. Automatic selection never throws this: it falls back to `cpu` and records why.
 */
export class BackendUnavailableError extends Error {
  /** The backend that was asked for. */
  readonly backend: BackendName;
  /** The underlying reason (first line of the load error). */
  readonly reason: string;

  constructor(backend: BackendName, reason: string, hint: string) {
    super(`backend "${backend}" was requested but is unavailable: ${reason}${hint ? `\n${hint}` : ''}`);
    this.name = 'BackendUnavailableError';
    this.backend = backend;
    this.reason = reason;
  }
}

/** First line of an error's message, so that a multi-page native loader error stays readable. */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.split('\n').find((candidate) => candidate.trim() !== '') ?? message;
  return line.trim();
}
