/**
 * The sweep's progress view as a user sees it on stderr: the backend choice, which the runner
 * reports before the sweep starts, prints as its own line and no empty progress line
 * (": 0/0 done") precedes it.
 */
import { ProgressView } from '../../lib/cli/sweep-progress-view';
import type { SweepEvent } from '../../lib/sweep/events';

describe('ProgressView', () => {
  it('prints the backend choice alone, then progress lines naming the sweep once it starts', () => {
    const lines: string[] = [];
    const view = new ProgressView({ write: (text) => lines.push(text), isTTY: false, intervalMs: 0, now: () => 0 });
    const choice = { backend: 'cpu', selection: 'measured', steps: 24, timings: [{ backend: 'cpu', secondsPerStep: 0.0015 }], at: '2026-12-01T00:00:00Z' };
    view.handle({ type: 'backend', choice, at: 0 } as unknown as SweepEvent);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe('backend cpu: fastest for this sweep\'s model, by 24 timed training steps per backend and round (cpu 1.50 ms/step)\n');
    expect(lines.join('')).not.toMatch(/^: /m);
    view.handle({ type: 'start', sweepName: 'moons-quick', total: 4, alreadyFinished: 0, finishedRecords: [], slots: 2, at: 0 });
    expect(lines.slice(1).every((line) => line.startsWith('moons-quick: '))).toBe(true);
    expect(lines.length).toBeGreaterThan(1);
  });
});
