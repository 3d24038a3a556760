/**
 * A backend choice in words, for the start of a run, `status` and every report view. Kept apart
 * from measure.ts (which loads tfjs) so that reading a sweep's report loads no backend.
 */
import type { BackendChoice } from './measure';
import { MEASUREMENT_CACHE_ENV_VAR } from './measurement-cache';

/** One line for the start of a run, e.g. `backend cpu (measured: cpu 0.41 ms/step, tensorflow 0.93 ms/step)`. */
export function describeBackendChoice(choice: BackendChoice): string {
  const timings = (choice.timings ?? [])
    .map((timing) => (timing.secondsPerStep !== undefined ? `${timing.backend} ${(timing.secondsPerStep * 1000).toFixed(2)} ms/step${timing.cutShort === true ? ' (stopped early: a clear loser)' : ''}` : `${timing.backend} unavailable (${timing.error})`))
    .join(', ');
  // A reused measurement says so, with its date (lib/backend/measurement-cache).
  const source = choice.measuredAt === undefined ? '' : `; cached measurement from ${choice.measuredAt}, ${MEASUREMENT_CACHE_ENV_VAR}=off measures again`;
  switch (choice.selection) {
    case 'measured':
      return `backend ${choice.backend}: fastest for this sweep's model, by ${choice.steps} timed training steps per backend and round (${timings}${source})`;
    case 'only-available':
      return `backend ${choice.backend}: the only backend that could train this sweep's model (${timings}${source})`;
    case 'default':
      return `backend ${choice.backend}: default choice (the objective cannot time its model; native when it loads, else cpu)`;
    case 'option':
      return `backend ${choice.backend}: forced by --backend`;
    case 'definition':
      return `backend ${choice.backend}: forced by the definition's "backend" field`;
    case 'environment':
      return `backend ${choice.backend}: forced by LAYERWISE_BACKEND`;
  }
}
