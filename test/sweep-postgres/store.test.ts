/**
 * The PostgreSQL trial store against a real server (started by the harness on loopback):
 * migrations, atomic claiming under contention, heartbeats and stale trials, retry limits,
 * exactly-once completion, and credential redaction.
 */
import { Client } from 'pg';
import { openPostgresStore, PostgresTrialStore, migrate, LATEST_SCHEMA_VERSION, redactUrl, redactText } from '../../lib/sweep/postgres';
import { createPool } from '../../lib/sweep/postgres/connection';
import { SweepDefinitionChangedError, TrialStateError } from '../../lib/sweep/storage/storage';
import { epochOf, openArgs, trialsOf } from './fixtures';
import { PostgresServer, startPostgresServer } from './postgres-server';
import { describeWhenAvailable } from '../support/requirements';

describeWhenAvailable(['postgresql'], 'PostgreSQL trial store', () => {
  let server: PostgresServer;
  const stores: PostgresTrialStore[] = [];

  async function open(options: { graceSeconds?: number; schema?: string } = {}): Promise<PostgresTrialStore> {
    const store = await openPostgresStore(server.url, { graceSeconds: options.graceSeconds ?? 30, schema: options.schema, retry: { deadlineMs: 5000 } });
    stores.push(store);
    return store;
  }

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  beforeAll(async () => {
    server = await startPostgresServer();
  }, 60000);

  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await server?.destroy();
  });

  describe('migrations', () => {
    test('apply once, in order, under concurrent starts; a second run applies nothing', async () => {
      const { pool } = createPool({ url: server.url, maxConnections: 8 });
      try {
        // Six concurrent migrators on a fresh schema: the advisory lock makes exactly one apply each version.
        const results = await Promise.all(Array.from({ length: 6 }, () => migrate(pool, { schema: 'concurrent_migrations' })));
        const applied = results.flat().sort();
        expect(applied).toEqual(Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1));
        const rows = (await pool.query('SELECT version FROM concurrent_migrations.schema_version ORDER BY version')).rows.map((row) => row.version);
        expect(rows).toEqual(Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1));
        expect(await migrate(pool, { schema: 'concurrent_migrations' })).toEqual([]);
      } finally {
        await pool.end();
      }
    });

    test('upgrade from version 1 keeps data and adds the later tables', async () => {
      const { pool } = createPool({ url: server.url });
      try {
        expect(await migrate(pool, { schema: 'upgrade_test', targetVersion: 1 })).toEqual([1]);
        await pool.query(`INSERT INTO upgrade_test.sweeps (name, definition, definition_hash, queue_name, max_attempts, grace_seconds) VALUES ('old', '{}', 'h', 'q', 1, 5)`);
        expect(await migrate(pool, { schema: 'upgrade_test' })).toEqual(Array.from({ length: LATEST_SCHEMA_VERSION - 1 }, (_, i) => i + 2));
        expect((await pool.query('SELECT name FROM upgrade_test.sweeps')).rows).toEqual([{ name: 'old' }]);
        expect((await pool.query(`SELECT to_regclass('upgrade_test.trial_attempts') AS t`)).rows[0].t).not.toBeNull();
      } finally {
        await pool.end();
      }
    });

    test('a database newer than the code is refused', async () => {
      const { pool } = createPool({ url: server.url });
      try {
        await migrate(pool, { schema: 'future_test' });
        await pool.query(`INSERT INTO future_test.schema_version (version, description) VALUES (99, 'from the future')`);
        await expect(migrate(pool, { schema: 'future_test' })).rejects.toThrow(/version 99 .*knows versions up to/);
      } finally {
        await pool.end();
      }
    });
  });

  describe('sweeps and enqueueing', () => {
    test('enqueue is idempotent by trial id; a changed definition needs extend', async () => {
      const store = await open();
      await store.openSweep(openArgs('enqueue'));
      expect((await store.enqueueNewTrials('enqueue', trialsOf('enqueue', 3))).added).toHaveLength(3);
      const again = await store.enqueueNewTrials('enqueue', trialsOf('enqueue', 4));
      expect(again.added).toEqual(['enqueue-t003']);
      expect(again.existing).toHaveLength(3);
      expect((await store.countTrials('enqueue')).waiting).toBe(4);
      await expect(store.openSweep(openArgs('enqueue', 5))).rejects.toBeInstanceOf(SweepDefinitionChangedError);
      const extended = await store.openSweep({ ...openArgs('enqueue', 5), extend: true });
      expect(extended.maxAttempts).toBe(6);
    });

    test('an evaluation trial keeps its role through enqueue, claim, finish, listing and summaries; selection trials have none', async () => {
      const store = await open();
      await store.openSweep(openArgs('roles'));
      const [selection, evaluation] = trialsOf('roles', 2);
      await store.enqueueTrials('roles', [selection, { ...evaluation, role: 'evaluation' }]);
      const claimed = await store.claimTrial('roles', { trialIds: [evaluation.trialId] });
      expect(claimed?.role).toBe('evaluation');
      const finished = await store.finishTrial('roles', evaluation.trialId, 1, { state: 'complete', epochs: [epochOf(1e-3, 1)], final: epochOf(1e-3, 1) });
      expect(finished.role).toBe('evaluation');
      const listed = await store.listTrials('roles');
      expect(listed.map((trial) => [trial.trialId, trial.role])).toEqual([[selection.trialId, undefined], [evaluation.trialId, 'evaluation']]);
      const summaries = await store.listTrialSummaries('roles');
      expect(summaries.map((trial) => trial.role)).toEqual([undefined, 'evaluation']);
    });

    test('an unknown sweep is named with the ones that exist', async () => {
      const store = await open();
      await expect(store.requireSweep('nope')).rejects.toThrow(/no sweep named "nope".*"enqueue"/);
    });
  });

  describe('claiming', () => {
    test('atomic under contention: 8 stores race for 40 trials, each is claimed exactly once', async () => {
      const setup = await open();
      await setup.openSweep(openArgs('contention'));
      await setup.enqueueTrials('contention', trialsOf('contention', 40));
      const racers = await Promise.all(Array.from({ length: 8 }, () => open()));
      const claims: string[] = [];
      await Promise.all(
        racers.map(async (store, worker) => {
          for (;;) {
            const trial = await store.claimTrial('contention', { workerId: `racer-${worker}` });
            if (!trial) return;
            expect(trial.attempts).toBe(1);
            expect(trial.state).toBe('running');
            claims.push(trial.trialId);
          }
        }),
      );
      expect(claims).toHaveLength(40);
      expect(new Set(claims).size).toBe(40);
      expect((await setup.countTrials('contention')).running).toBe(40);
    });

    test('trials are handed out in enqueue (index) order', async () => {
      const store = await open();
      await store.openSweep(openArgs('order'));
      await store.enqueueTrials('order', trialsOf('order', 5));
      const order: number[] = [];
      for (let i = 0; i < 5; i++) order.push((await store.claimTrial('order'))!.index);
      expect(order).toEqual([0, 1, 2, 3, 4]);
    });

    test('claiming within trialIds takes the chosen trial out of the queue; requeue and staleness put it back', async () => {
      const store = await open({ graceSeconds: 0.3 });
      await store.openSweep(openArgs('targeted', 1));
      await store.enqueueTrials('targeted', trialsOf('targeted', 3));
      const chosen = (await store.claimTrial('targeted', { trialIds: ['targeted-t002'] }))!;
      expect(chosen.trialId).toBe('targeted-t002');
      expect(await store.claimTrial('targeted', { trialIds: ['targeted-t002'] })).toBeUndefined();
      // The queue no longer hands it out.
      const viaQueue = [(await store.claimTrial('targeted'))!.trialId, (await store.claimTrial('targeted'))!.trialId];
      expect(viaQueue.sort()).toEqual(['targeted-t000', 'targeted-t001']);
      expect(await store.claimTrial('targeted')).toBeUndefined();
      // Stale → back in the queue (attempt 1 of 2), taken again by the queue, completed once.
      await sleep(500);
      const again = (await store.claimTrial('targeted', { trialIds: ['targeted-t002'] }))!;
      expect(again.attempts).toBe(2);
      const record = await store.finishTrial('targeted', again.trialId, 2, {
        state: 'complete',
        epochs: [epochOf(0.003, 1)],
        final: epochOf(0.003, 1),
        backend: 'cpu',
        trainingPath: 'general',
        generalPathReason: 'layer "dropout" is a Dropout',
      });
      // Which backend and training path ran it is kept, as in the journal.
      expect([record.backend, record.trainingPath, record.generalPathReason]).toEqual(['cpu', 'general', 'layer "dropout" is a Dropout']);
      expect(record.state).toBe('complete');
      await sleep(500); // the two queue-claimed trials go stale: back to waiting
      expect((await store.countTrials('targeted')).waiting).toBe(2);
      expect([(await store.claimTrial('targeted'))!.trialId, (await store.claimTrial('targeted'))!.trialId].sort()).toEqual(['targeted-t000', 'targeted-t001']);
      expect(await store.claimTrial('targeted')).toBeUndefined();
    });
  });

  describe('heartbeats, stale trials and retries', () => {
    test('stale heartbeat → failed and re-queued → retried → failed for good at the retry limit', async () => {
      // grace 0.5 s (database clock), retries 1 → at most 2 attempts.
      const store = await open({ graceSeconds: 0.5 });
      await store.openSweep(openArgs('stale', 1));
      await store.enqueueTrials('stale', trialsOf('stale', 1));
      const first = (await store.claimTrial('stale', { workerId: 'dies-1' }))!;
      expect(first.attempts).toBe(1);
      // Beating keeps it alive past the grace period.
      for (let i = 0; i < 4; i++) {
        await sleep(200);
        expect(await store.beat('stale', first.trialId, 1)).toBe(true);
      }
      expect(await store.failStaleTrials('stale')).toEqual({ requeued: [], failed: [] });
      await sleep(700); // silence
      const second = (await store.claimTrial('stale', { workerId: 'dies-2' }))!; // fails the stale one first, then claims it
      expect(second.trialId).toBe(first.trialId);
      expect(second.attempts).toBe(2);
      expect(await store.beat('stale', first.trialId, 1)).toBe(false); // the old attempt lost it
      await sleep(700);
      expect(await store.failStaleTrials('stale')).toEqual({ requeued: [], failed: [first.trialId] });
      expect(await store.claimTrial('stale')).toBeUndefined();
      const [record] = await store.listTrials('stale');
      expect(record.state).toBe('failed');
      expect(record.attempts).toBe(2);
      expect(record.error).toMatch(/heartbeat stale: no heartbeat from worker dies-2/);
      expect((await store.attemptsOf('stale', first.trialId)).map((a) => [a.worker, a.outcome])).toEqual([
        ['dies-1', 'stale'],
        ['dies-2', 'stale'],
      ]);
    });

    test('requeueTrial returns the trial to waiting even past the queue retry limit (the runner decides)', async () => {
      const store = await open();
      await store.openSweep(openArgs('requeue', 0));
      await store.enqueueTrials('requeue', trialsOf('requeue', 1));
      const trial = (await store.claimTrial('requeue'))!;
      await store.requeueTrial('requeue', trial.trialId, 1, 'worker crashed: out of memory');
      const [waiting] = await store.listTrials('requeue');
      expect(waiting.state).toBe('waiting');
      expect(waiting.error).toBe('worker crashed: out of memory');
      const again = (await store.claimTrial('requeue'))!;
      expect(again.attempts).toBe(2);
    });
  });

  describe('exactly-once completion', () => {
    test('a late result from a lease that went stale is rejected and never recorded; the new attempt completes once', async () => {
      const store = await open({ graceSeconds: 0.3 });
      await store.openSweep(openArgs('late'));
      await store.enqueueTrials('late', trialsOf('late', 1));
      const slow = (await store.claimTrial('late', { workerId: 'slow' }))!;
      await store.recordEpoch('late', slow.trialId, 1, epochOf(0.001, 1));
      await sleep(500);
      const fast = (await store.claimTrial('late', { workerId: 'fast' }))!;
      expect(fast.attempts).toBe(2);
      expect(fast.epochs).toEqual([]); // the abandoned attempt's epoch is gone
      // The slow worker comes back: its epoch and result are refused.
      expect(await store.recordOwnedEpoch('late', slow.trialId, 1, epochOf(0.001, 2))).toBe(false);
      const slowResult = { state: 'complete' as const, epochs: [epochOf(0.001, 1)], final: { ...epochOf(0.001, 1), seconds: 999 } };
      await expect(store.finishTrial('late', slow.trialId, 1, slowResult)).rejects.toBeInstanceOf(TrialStateError);
      const fastResult = { state: 'complete' as const, epochs: [epochOf(0.001, 1), epochOf(0.001, 2)], final: epochOf(0.001, 2) };
      const record = await store.finishTrial('late', fast.trialId, 2, fastResult);
      expect(record.state).toBe('complete');
      expect(record.final).toEqual(epochOf(0.001, 2));
      // Repeating the same call (as after a lost COMMIT acknowledgement) records nothing twice.
      const repeated = await store.finishTrial('late', fast.trialId, 2, fastResult);
      expect(repeated).toEqual(record);
      // The old lease after completion: still rejected.
      await expect(store.finishTrial('late', slow.trialId, 1, slowResult)).rejects.toThrow(/attempt 1 no longer owns it \(now complete, attempt 2\)/);
      const [stored] = await store.listTrials('late');
      expect(stored.epochs.map((epoch) => epoch.epoch)).toEqual([1, 2]);
      expect(stored.final?.seconds).toBe(0);
      // And the queue agrees: nothing left to claim.
      await sleep(400);
      expect(await store.claimTrial('late')).toBeUndefined();
    });

    test('concurrent finishes of the same attempt: one records, the other sees the duplicate', async () => {
      const store = await open();
      await store.openSweep(openArgs('race-finish'));
      await store.enqueueTrials('race-finish', trialsOf('race-finish', 1));
      const trial = (await store.claimTrial('race-finish'))!;
      const result = { state: 'complete' as const, epochs: [epochOf(0.001, 1)], final: epochOf(0.001, 1) };
      const outcomes = await Promise.all([store.finishTrial('race-finish', trial.trialId, 1, result), store.finishTrial('race-finish', trial.trialId, 1, result)]);
      expect(outcomes[0]).toEqual(outcomes[1]);
      const client = new Client({ connectionString: server.url });
      await client.connect();
      try {
        const epochs = await client.query(`SELECT count(*)::int AS n FROM layerwise.trial_epochs e JOIN layerwise.trials t ON t.id = e.trial_id WHERE t.trial_key = $1`, [trial.trialId]);
        expect(epochs.rows[0].n).toBe(1);
      } finally {
        await client.end();
      }
    });
  });

  describe('credentials', () => {
    test('redactUrl masks the password and password parameters', () => {
      expect(redactUrl('postgres://alice:s3cr%40t@db.example:5432/sweeps?sslmode=require&password=other')).toBe(
        'postgres://alice:***@db.example:5432/sweeps?sslmode=require&password=***',
      );
      expect(redactUrl('postgres://db.example/sweeps')).toBe('postgres://db.example/sweeps');
      expect(redactText('failed at postgres://bob:pw123@h/db: boom', ['pw123'])).toBe('failed at postgres://bob:***@h/db: boom');
    });

    test('a wrong password fails with a message that names the redacted URL and contains no password', async () => {
      const wrong = `postgres://${server.user}:not-the-password-x9@127.0.0.1:${server.port}/${server.database}`;
      const error = await openPostgresStore(wrong, { retry: { deadlineMs: 0 } }).then(
        () => undefined,
        (caught: unknown) => caught as Error,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error!.message).toContain(`postgres://${server.user}:***@127.0.0.1:${server.port}`);
      expect(error!.message).toMatch(/password authentication failed/);
      expect(`${error!.message}\n${error!.stack}`).not.toContain('not-the-password-x9');
    });

    test('an unreachable server reports the redacted URL only', async () => {
      const url = `postgres://someone:hunter2-secret@127.0.0.1:1/${server.database}`;
      const error = await openPostgresStore(url, { retry: { deadlineMs: 0 }, connectTimeoutMs: 2000 }).then(
        () => undefined,
        (caught: unknown) => caught as Error,
      );
      expect(error!.message).toContain('postgres://someone:***@127.0.0.1:1');
      expect(`${error!.message}\n${error!.stack}`).not.toContain('hunter2-secret');
    });

    test('credentials from PG* environment variables work with a URL that has none', async () => {
      const saved = { PGUSER: process.env.PGUSER, PGPASSWORD: process.env.PGPASSWORD };
      process.env.PGUSER = server.user;
      process.env.PGPASSWORD = server.password;
      try {
        const store = await openPostgresStore(server.urlWithoutCredentials);
        stores.push(store);
        expect(store.displayUrl).toBe(server.urlWithoutCredentials);
        expect(await store.databaseNow()).toMatch(/^\d{4}-/);
        // A failure still hides PGPASSWORD, even if some message echoed it.
        process.env.PGUSER = 'nobody_here';
        const error = await openPostgresStore(server.urlWithoutCredentials, { retry: { deadlineMs: 0 } }).then(
          () => undefined,
          (caught: unknown) => caught as Error,
        );
        expect(error!.message).toMatch(/nobody_here/);
        expect(error!.message).not.toContain(server.password);
      } finally {
        for (const [key, value] of Object.entries(saved)) {
          if (value === undefined) delete process.env[key];
          else process.env[key] = value;
        }
      }
    });
  });
});
