/** Issue 15, item 8: `--workers` is capped at a stated limit, with a line saying so. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Command } from 'commander';
import { registerSweepCommand, workerLimit, WORKERS_PER_CORE_LIMIT } from '../../lib/cli/sweep';
import { sweepConfig } from '../sweep/fixtures/definitions';

test('--workers 1000000000 is capped at 4 per CPU core, and a line says so', async () => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-workers-'));
  try {
    const config = path.join(directory, 'sweep.json');
    fs.writeFileSync(config, JSON.stringify(sweepConfig()));
    const errors: string[] = [];
    const program = new Command().exitOverride();
    registerSweepCommand(program, { writeError: (text) => errors.push(text), write: () => undefined, setExitCode: () => undefined });
    // --enqueue-only without --storage stops right after the options are read: nothing runs.
    await expect(program.parseAsync(['sweep', config, '--out', path.join(directory, 'out'), '--workers', '1000000000', '--enqueue-only'], { from: 'user' })).rejects.toThrow(
      /--enqueue-only/,
    );
    expect(WORKERS_PER_CORE_LIMIT).toBe(4);
    expect(workerLimit(2)).toBe(8);
    expect(errors).toEqual([`layerwise: --workers 1000000000 capped at ${workerLimit()} (4 per CPU core, ${os.cpus().length} cores here)\n`]);
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
});
