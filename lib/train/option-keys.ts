/**
 * Unknown keys are errors: a typo (`epoch`, `batch_size`, `earlyStopping.monitr`) must not train
 * with defaults in silence. The message names the key and the closest valid one.
 */
import { LayerwiseConfigError } from '../errors/config-error';

/** Edit distance (insertions, deletions, substitutions) between two strings. */
export function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0];
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j];
      previous[j] = Math.min(previous[j] + 1, previous[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length];
}

/** The allowed key closest to `key`: the same letters ignoring case and `_`/`-` (Keras's `batch_size`), else the only key it abbreviates, else the nearest within a few edits. */
export function closestKey(key: string, allowed: readonly string[]): string | undefined {
  const plain = (text: string): string => text.replace(/[_-]/g, '').toLowerCase();
  const same = allowed.find((candidate) => plain(candidate) === plain(key));
  if (same !== undefined) return same;
  // Abbreviations (`val` for `validation`): the one allowed key that starts with it.
  const extended = plain(key).length >= 3 ? allowed.filter((candidate) => plain(candidate).startsWith(plain(key))) : [];
  if (extended.length === 1) return extended[0];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    const distance = editDistance(plain(key), plain(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/**
 * Throws when `value` has keys not in `allowed`: "unknown option 'epoch'; did you mean 'epochs'?"
 * and the list of valid keys. `where` is the path of the object (`train.options`).
 */
export function rejectUnknownKeys(value: object, allowed: readonly string[], where: string, noun = 'option'): void {
  const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
  if (unknown.length === 0) return;
  const described = unknown.map((key) => {
    const closest = closestKey(key, allowed);
    return `unknown ${noun} '${key}'${closest !== undefined ? `; did you mean '${closest}'?` : ''}`;
  });
  throw new LayerwiseConfigError(where, `: ${described.join('; ')} (allowed: ${allowed.join(', ')})`);
}
