/**
 * The trial table as the queue (issue 13: one state machine): claim order with and without
 * `trialIds`, exactly-once claiming when many clients race, stale release and the retry limit with
 * several releasers at once, no pg-boss schema, and the upgrade of a store written in the pg-boss era.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { Client } from 'pg';
import { openPostgresStore, PostgresTrialStore, migrate, LATEST_SCHEMA_VERSION } from '../../lib/sweep/postgres';
import { createPool } from '../../lib/sweep/postgres/connection';
import type { TrialSpec } from '../../lib/sweep/storage/storage';
import { epochOf, openArgs, trialsOf } from './fixtures';
import { PostgresServer, startPostgresServer } from './postgres-server';
import { describeWhenAvailable } from '../support/requirements';

describeWhenAvailable(['postgresql'], 'PostgreSQL trial table as the queue', () => {
  let server: PostgresServer;
  const stores: PostgresTrialStore[] = [];

  async function open(options: { graceSeconds?: number; schema?: string } = {}): Promise<PostgresTrialStore> {
    const store = await openPostgresStore(server.url, { graceSeconds: options.graceSeconds ?? 30, schema: options.schema, retry: { deadlineMs: 5000 } });
    stores.push(store);
    return store;
  }

  async function sql<T = Record<string, any>>(text: string, values: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: server.url });
    await client.connect();
    try {
      return (await client.query(text, values)).rows as T[];
    } finally {
      await client.end();
    }
  }

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /** Trials of two arms enqueued arm by arm (all of arm b, then all of arm a), indexes 0..perArm-1. */
  function twoArms(sweepName: string, perArm: number): TrialSpec[] {
    const arm = (name: string): TrialSpec[] =>
      Array.from({ length: perArm }, (_, index) => ({
        trialId: `${sweepName}-${name}${index}`,
        configId: `${sweepName}-${name}c${index}`,
        sweepName,
        arm: name,
        index,
        params: { l2: (index + 1) / 1000 },
        seed: index,
      }));
    return [...arm('b'), ...arm('a')];
  }

  beforeAll(async () => {
    server = await startPostgresServer();
  }, 60000);

  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await server?.destroy();
  });

  describe('claim order', () => {
    test('without trialIds: lowest index first, then enqueue order (arms interleave)', async () => {
      const store = await open();
      await store.openSweep(openArgs('order-arms'));
      await store.enqueueTrials('order-arms', twoArms('order-arms', 3));
      const claimed: string[] = [];
      for (;;) {
        const trial = await store.claimTrial('order-arms');
        if (!trial) break;
        claimed.push(trial.trialId.replace('order-arms-', ''));
      }
      // Arm b was enqueued first, so within each index it comes first.
      expect(claimed).toEqual(['b0', 'a0', 'b1', 'a1', 'b2', 'a2']);
    });

    test('with trialIds: the earliest enqueued waiting trial among them, whatever order the ids are given in; others are untouched', async () => {
      const store = await open();
      await store.openSweep(openArgs('order-ids'));
      await store.enqueueTrials('order-ids', twoArms('order-ids', 3));
      const among = ['order-ids-a0', 'order-ids-b2', 'order-ids-a2'];
      const claimed: string[] = [];
      for (;;) {
        const trial = await store.claimTrial('order-ids', { trialIds: among });
        if (!trial) break;
        claimed.push(trial.trialId);
      }
      // Enqueue order: b0 b1 b2 a0 a1 a2.
      expect(claimed).toEqual(['order-ids-b2', 'order-ids-a0', 'order-ids-a2']);
      const counts = await store.countTrials('order-ids');
      expect([counts.running, counts.waiting]).toEqual([3, 3]);
      // An id that is not in the sweep, or not waiting, gives nothing.
      expect(await store.claimTrial('order-ids', { trialIds: ['order-ids-zz', 'order-ids-b2'] })).toBeUndefined();
      // The queue without ids then serves the rest in its own order.
      expect((await store.claimTrial('order-ids'))!.trialId).toBe('order-ids-b0');
    });

    test('a requeued trial goes back to its place in the order', async () => {
      const store = await open();
      await store.openSweep(openArgs('order-requeue'));
      await store.enqueueTrials('order-requeue', trialsOf('order-requeue', 3));
      const first = (await store.claimTrial('order-requeue'))!;
      expect(first.index).toBe(0);
      expect((await store.claimTrial('order-requeue'))!.index).toBe(1);
      await store.requeueTrial('order-requeue', first.trialId, 1, 'out of memory');
      const again = (await store.claimTrial('order-requeue'))!;
      expect([again.index, again.attempts]).toEqual([0, 2]);
    });
  });

  describe('exactly once under concurrent claims', () => {
    test('12 clients race claim → epoch → finish over 240 trials while 2 others release stale trials: every trial claimed and finished once', async () => {
      const setup = await open({ graceSeconds: 30 });
      await setup.openSweep(openArgs('race'));
      await setup.enqueueTrials('race', trialsOf('race', 240));
      const racers = await Promise.all(Array.from({ length: 12 }, () => open({ graceSeconds: 30 })));
      const sweepers = await Promise.all(Array.from({ length: 2 }, () => open({ graceSeconds: 30 })));
      const claims: string[] = [];
      let racing = true;
      const sweeping = sweepers.map(async (store) => {
        let released = 0;
        while (racing) {
          const report = await store.failStaleTrials('race');
          released += report.requeued.length + report.failed.length;
        }
        return released;
      });
      await Promise.all(
        racers.map(async (store, worker) => {
          for (;;) {
            const trial = await store.claimTrial('race', { workerId: `racer-${worker}` });
            if (!trial) return;
            claims.push(trial.trialId);
            expect(trial.attempts).toBe(1);
            const l2 = Number(trial.params.l2);
            expect(await store.recordOwnedEpoch('race', trial.trialId, 1, epochOf(l2, 1))).toBe(true);
            const record = await store.finishTrial('race', trial.trialId, 1, { state: 'complete', epochs: [epochOf(l2, 1)], final: epochOf(l2, 1) });
            expect(record.epochs).toHaveLength(1);
          }
        }),
      );
      racing = false;
      // Nothing was stale (30 s grace): the releasers, though racing the claimers, released nothing.
      expect(await Promise.all(sweeping)).toEqual([0, 0]);
      expect(claims).toHaveLength(240);
      expect(new Set(claims).size).toBe(240);
      const counts = await setup.countTrials('race');
      expect(counts.complete).toBe(240);
      const [history] = await sql<{ attempts: number; complete: number; epochs: number }>(
        `SELECT (SELECT count(*) FROM layerwise.trial_attempts a JOIN layerwise.trials t ON t.id = a.trial_id JOIN layerwise.sweeps s ON s.id = t.sweep_id WHERE s.name = 'race')::int AS attempts,
                (SELECT count(*) FROM layerwise.trial_attempts a JOIN layerwise.trials t ON t.id = a.trial_id JOIN layerwise.sweeps s ON s.id = t.sweep_id WHERE s.name = 'race' AND a.outcome = 'complete')::int AS complete,
                (SELECT count(*) FROM layerwise.trial_epochs e JOIN layerwise.trials t ON t.id = e.trial_id JOIN layerwise.sweeps s ON s.id = t.sweep_id WHERE s.name = 'race')::int AS epochs`,
      );
      expect(history).toEqual({ attempts: 240, complete: 240, epochs: 240 });
    }, 60000);

    test('16 clients claiming the same 5 chosen trialIds at once: each is handed to exactly one', async () => {
      const setup = await open();
      await setup.openSweep(openArgs('race-ids'));
      await setup.enqueueTrials('race-ids', trialsOf('race-ids', 20));
      const chosen = ['race-ids-t017', 'race-ids-t003', 'race-ids-t011', 'race-ids-t000', 'race-ids-t019'];
      const racers = await Promise.all(Array.from({ length: 16 }, () => open()));
      const results = await Promise.all(racers.map((store, worker) => store.claimTrial('race-ids', { trialIds: chosen, workerId: `r${worker}` })));
      const got = results.filter((trial) => trial !== undefined).map((trial) => trial!.trialId);
      expect(got.sort()).toEqual([...chosen].sort());
      expect(results.filter((trial) => trial === undefined)).toHaveLength(11);
      expect((await setup.countTrials('race-ids')).running).toBe(5);
    }, 30000);
  });

  describe('stale release and the retry limit', () => {
    test('two releasers at once release each stale trial once; at max_attempts it is failed with finished_at, below it waits again', async () => {
      // retries 1 → max_attempts 2; grace 0.3 s.
      const store = await open({ graceSeconds: 0.3 });
      const other = await open({ graceSeconds: 0.3 });
      await store.openSweep(openArgs('stale-many', 1));
      await store.enqueueTrials('stale-many', trialsOf('stale-many', 4));
      const firstRound = [];
      for (let i = 0; i < 4; i++) firstRound.push((await store.claimTrial('stale-many', { workerId: 'gone-1' }))!);
      await sleep(500);
      const reports = await Promise.all([store.failStaleTrials('stale-many'), other.failStaleTrials('stale-many')]);
      const requeued = reports.flatMap((report) => report.requeued).sort();
      expect(requeued).toEqual(firstRound.map((trial) => trial.trialId).sort());
      expect(reports.flatMap((report) => report.failed)).toEqual([]);
      // Second round: two of them finish, two go silent again and reach the limit.
      const second = [];
      for (let i = 0; i < 4; i++) second.push((await store.claimTrial('stale-many', { workerId: 'gone-2' }))!);
      expect(second.map((trial) => trial.attempts)).toEqual([2, 2, 2, 2]);
      for (const trial of second.slice(0, 2)) {
        await store.finishTrial('stale-many', trial.trialId, 2, { state: 'complete', epochs: [], final: epochOf(0.001, 1) });
      }
      await sleep(500);
      const final = await Promise.all([store.failStaleTrials('stale-many'), other.failStaleTrials('stale-many')]);
      expect(final.flatMap((report) => report.failed).sort()).toEqual(second.slice(2).map((trial) => trial.trialId).sort());
      expect(final.flatMap((report) => report.requeued)).toEqual([]);
      const records = await store.listTrials('stale-many');
      expect(records.map((record) => record.state).sort()).toEqual(['complete', 'complete', 'failed', 'failed']);
      for (const record of records.filter((r) => r.state === 'failed')) {
        expect(record.attempts).toBe(2);
        expect(record.finishedAt).toBeDefined();
        expect(record.error).toMatch(/^heartbeat stale: no heartbeat from worker gone-2 for \d+\.\d s in attempt 2$/);
      }
      expect(await store.claimTrial('stale-many')).toBeUndefined();
      expect(await store.attemptsOf('stale-many', second[3].trialId)).toEqual([
        { attempt: 1, worker: 'gone-1', outcome: 'stale', error: expect.stringMatching(/attempt 1$/) },
        { attempt: 2, worker: 'gone-2', outcome: 'stale', error: expect.stringMatching(/attempt 2$/) },
      ]);
    }, 30000);

    test('a beating attempt is never released, and writes of an attempt that was released are refused', async () => {
      const store = await open({ graceSeconds: 0.4 });
      await store.openSweep(openArgs('stale-beat', 3));
      await store.enqueueTrials('stale-beat', trialsOf('stale-beat', 2));
      const alive = (await store.claimTrial('stale-beat'))!;
      const silent = (await store.claimTrial('stale-beat'))!;
      for (let i = 0; i < 4; i++) {
        await sleep(150);
        expect(await store.beat('stale-beat', alive.trialId, 1)).toBe(true);
      }
      expect(await store.failStaleTrials('stale-beat')).toEqual({ requeued: [silent.trialId], failed: [] });
      expect(await store.recordOwnedEpoch('stale-beat', silent.trialId, 1, epochOf(0.002, 1))).toBe(false);
      await store.requeueTrial('stale-beat', silent.trialId, 1, 'too late'); // changes nothing
      const [waiting] = await store.listTrials('stale-beat', { trialIds: [silent.trialId] });
      expect([waiting.state, waiting.attempts]).toEqual(['waiting', 1]);
      expect(waiting.error).toMatch(/heartbeat stale/);
      await expect(store.recordOwnedEpoch('stale-beat', 'stale-beat-nope', 1, epochOf(0.002, 1))).rejects.toThrow(/not in sweep "stale-beat"/);
    });
  });

  describe('no pg-boss', () => {
    test('opening a store creates only its own six tables in its own schema, and no queue schema', async () => {
      const store = await open({ schema: 'only_ours' });
      await store.openSweep(openArgs('only'));
      await store.enqueueTrials('only', trialsOf('only', 2));
      const schemas = await sql<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'only_ours%' ORDER BY nspname`);
      expect(schemas.map((row) => row.nspname)).toEqual(['only_ours']);
      const tables = await sql<{ relname: string }>(
        `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'only_ours' AND c.relkind = 'r' ORDER BY c.relname`,
      );
      expect(tables.map((row) => row.relname)).toEqual(['backend_choices', 'schema_version', 'sweeps', 'trial_attempts', 'trial_epochs', 'trials']);
      const anyPgBoss = await sql(`SELECT 1 FROM pg_class WHERE relname IN ('job', 'queue', 'archive', 'version') AND relnamespace IN (SELECT oid FROM pg_namespace WHERE nspname LIKE 'only_ours%')`);
      expect(anyPgBoss).toEqual([]);
      // And the package is no dependency any more (test/architecture/public-face.test.ts checks what the store loads).
      const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
      expect(Object.keys({ ...manifest.dependencies, ...manifest.devDependencies, ...manifest.optionalDependencies })).not.toContain('pg-boss');
    });
  });

  describe('upgrading a store of the pg-boss era (schema version 3)', () => {
    test('waiting, running and finished trials keep their state, attempts and order; the queue schema and job ids are gone', async () => {
      const schema = 'from_pgboss';
      const { pool } = createPool({ url: server.url });
      try {
        expect(await migrate(pool, { schema, targetVersion: 3 })).toEqual([1, 2, 3]);
        // What the pg-boss-era store wrote: a sweep with its queue name, trial rows each with a job id, pg-boss's schema beside.
        await pool.query(`CREATE SCHEMA ${schema}_queue`);
        await pool.query(`CREATE TABLE ${schema}_queue.job (id uuid PRIMARY KEY, name text, state text)`);
        const sweep = (
          await pool.query(
            `INSERT INTO ${schema}.sweeps (name, definition, definition_hash, queue_name, max_attempts, grace_seconds)
             VALUES ('old', $1, 'fp-old-1', 'layerwise_sweep_1', 2, 0.3) RETURNING id`,
            [JSON.stringify(openArgs('old', 1).definition)],
          )
        ).rows[0].id;
        const trial = (key: string, index: number, state: string, attempt: number, heartbeat: string | null) =>
          pool.query(
            `INSERT INTO ${schema}.trials (sweep_id, trial_key, config_id, arm, trial_index, seed, params, state, attempt, job_id, worker, heartbeat_at)
             VALUES ($1, $2, $2, 'uniform', $3::integer, $3::bigint, '{"l2": 0.001}', $4, $5::integer, gen_random_uuid(), $6, ${heartbeat ?? 'NULL'})`,
            [sweep, key, index, state, attempt, attempt > 0 ? 'old-worker' : null],
          );
        await trial('w2', 2, 'waiting', 0, null);
        await trial('w0', 0, 'waiting', 1, null); // requeued once in the pg-boss era
        await trial('r1', 1, 'running', 1, `now() - interval '1 hour'`); // its worker died
        await trial('c3', 3, 'complete', 1, null);
        await pool.query(
          `INSERT INTO ${schema}.trial_attempts (trial_id, attempt, worker) SELECT id, attempt, 'old-worker' FROM ${schema}.trials WHERE attempt > 0`,
        );
      } finally {
        await pool.end();
      }
      const store = await open({ schema });
      expect((await sql(`SELECT max(version)::int AS v FROM ${schema}.schema_version`))[0].v).toBe(LATEST_SCHEMA_VERSION);
      expect(await sql(`SELECT nspname FROM pg_namespace WHERE nspname = '${schema}_queue'`)).toEqual([]);
      expect(await sql(`SELECT column_name FROM information_schema.columns WHERE table_schema = '${schema}' AND column_name IN ('job_id', 'queue_name')`)).toEqual([]);
      // The first claim releases the dead worker's trial (attempt 1 of 2 → waiting), then serves index order.
      const first = (await store.claimTrial('old'))!;
      expect([first.trialId, first.attempts]).toEqual(['w0', 2]);
      const second = (await store.claimTrial('old'))!;
      expect([second.trialId, second.attempts]).toEqual(['r1', 2]);
      const third = (await store.claimTrial('old'))!;
      expect([third.trialId, third.attempts]).toEqual(['w2', 1]);
      expect(await store.claimTrial('old')).toBeUndefined();
      const record = await store.finishTrial('old', 'w0', 2, { state: 'complete', epochs: [epochOf(0.001, 1)], final: epochOf(0.001, 1) });
      expect(record.state).toBe('complete');
      expect((await store.countTrials('old')).complete).toBe(2);
    });
  });
});
