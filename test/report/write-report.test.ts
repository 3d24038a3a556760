/** writeReport writes every format; the CLI command parses options and routes output. */
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Command } from 'commander';
import { registerReportCommand } from '../../lib/cli/report';
import { CommandExit } from '../../lib/cli/exit-codes';
import { REPORT_FILE_NAMES, writeReport } from '../../lib/report/write-report';
import { realisticSweep } from './fixtures';
import type { TrialRecord } from '../../lib/sweep/record';

let directory: string;
beforeEach(async () => {
  directory = await fs.mkdtemp(path.join(os.tmpdir(), 'layerwise-report-'));
});
afterEach(async () => {
  await fs.rm(directory, { recursive: true, force: true });
});

describe('writeReport', () => {
  test('writes all six formats and the TensorBoard outcome', async () => {
    const written: string[] = [];
    const result = await writeReport(path.join(directory, 'out'), realisticSweep({ epochs: 3 }), {
      bootstrapResamples: 200,
      tensorboard: { createWriter: (run) => ({ scalar: () => undefined, flush: () => void written.push(run) }) },
    });
    const names = (await fs.readdir(path.join(directory, 'out'))).sort();
    expect(names).toEqual(Object.values(REPORT_FILE_NAMES).sort());
    expect(JSON.parse(await fs.readFile(result.files.json as string, 'utf8')).counts.total).toBe(40);
    expect(await fs.readFile(result.files.html as string, 'utf8')).toMatch(/^<!DOCTYPE html>/);
    expect(result.tensorboard?.written).toBe(true);
    expect(written).toHaveLength(39);
    expect(result.warnings).toEqual([]);
  });

  test('writes only the requested formats, and rejects unknown ones', async () => {
    const result = await writeReport(directory, realisticSweep({ epochs: 2 }), { formats: ['md'], tensorboard: false, bootstrapResamples: 50 });
    expect(Object.keys(result.files)).toEqual(['md']);
    expect(result.tensorboard).toBeNull();
    await expect(writeReport(directory, [], { formats: ['pdf' as never] })).rejects.toThrow('writeReport.formats: got "pdf"; allowed: table, json, csv');
  });
});

describe('layerwise report command', () => {
  function run(args: string[], records: TrialRecord[] = realisticSweep({ epochs: 2 })) {
    const out: string[] = [];
    const notes: string[] = [];
    const loaded: string[] = [];
    const program = new Command().exitOverride().configureOutput({ writeOut: (text) => void out.push(text), writeErr: (text) => void notes.push(text) });
    registerReportCommand(program, {
      loadTrials: async (dir) => {
        loaded.push(dir);
        return records;
      },
      write: (text) => void out.push(text),
      writeError: (text) => void notes.push(text),
    });
    const done = program.parseAsync(['report', ...args], { from: 'user' });
    return { done, out, notes, loaded };
  }

  test('prints the terminal table by default, reading the given sweep directory', async () => {
    const { done, out, loaded } = run(['runs/moons', '--bootstrap', '100']);
    await done;
    expect(loaded).toEqual(['runs/moons']);
    expect(out.join('')).toContain('layerwise report: moons-mlp');
  });

  test('--format json and csv print machine-readable output; --select-by and --baseline reach the analysis', async () => {
    const json = run(['d', '--format', 'json', '--bootstrap', '50', '--select-by', 'validationAccuracy', '--confidence', '0.9']);
    await json.done;
    const parsed = JSON.parse(json.out.join(''));
    expect(parsed.settings).toMatchObject({ selectBy: 'validationAccuracy', confidence: 0.9, bootstrapResamples: 50 });
    const csv = run(['d', '--format', 'csv', '--bootstrap', '10']);
    await csv.done;
    expect(csv.out.join('').split('\r\n')[0]).toMatch(/^sweep,arm,trial_id,/);
  });

  test('--out writes a file; --format all writes a directory and reports the TensorBoard outcome', async () => {
    const file = path.join(directory, 'nested', 'summary.md');
    const single = run(['d', '--format', 'md', '--out', file, '--bootstrap', '10']);
    await single.done;
    expect(await fs.readFile(file, 'utf8')).toMatch(/^### layerwise report/);
    expect(single.out).toEqual([]);
    const all = run(['d', '--format', 'all', '--out', path.join(directory, 'all'), '--bootstrap', '10']);
    await all.done;
    expect((await fs.readdir(path.join(directory, 'all'))).length).toBeGreaterThanOrEqual(6);
    expect(all.notes.join('')).toMatch(/TensorBoard logs: tensorboard --logdir/);
  });

  test('bad options are usage errors naming the allowed values; an empty sweep is a CommandExit', async () => {
    await expect(run(['d', '--format', 'pdf']).done).rejects.toMatchObject({ code: 'commander.invalidArgument' });
    await expect(run(['d', '--confidence', '95']).done).rejects.toMatchObject({ code: 'commander.invalidArgument' });
    const empty = run(['empty-dir'], []);
    await expect(empty.done).rejects.toBeInstanceOf(CommandExit);
    await expect(empty.done).rejects.toMatchObject({ exitCode: 2, message: 'report: no trial records found in "empty-dir"' });
  });

  test('help lists the formats and the TensorBoard command', () => {
    const program = new Command();
    const command = registerReportCommand(program, { loadTrials: async () => [] });
    let help = '';
    command.configureOutput({ writeOut: (text) => void (help += text) });
    command.outputHelp();
    expect(help).toContain('--format <format>');
    expect(help).toContain('csv-configurations');
    expect(help).toContain('tensorboard --logdir');
  });
});
