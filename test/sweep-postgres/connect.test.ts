/**
 * Issue 15, items 4 and 5 on PostgreSQL: an unreachable server fails within seconds (connect
 * timeout, stated retries, a progress line per retry) instead of 120 s; a connection lost while a
 * store is open is retried with backoff and said so; "definition changed" compares canonical forms
 * (jsonb reorders keys) and names exactly the changed paths with remedies that apply to a database.
 */
import * as net from 'net';
import { openPostgresStore, PostgresTrialStore } from '../../lib/sweep/postgres';
import { describeRetry } from '../../lib/sweep/postgres/open';
import { runWorker } from '../../lib/sweep/postgres/run-worker';
import { LayerwiseConfigError } from '../../lib/errors/config-error';
import type { RetryNotice } from '../../lib/sweep/postgres/connection';
import { definitionFingerprint } from '../../lib/sweep/definition-config';
import { SweepDefinitionChangedError } from '../../lib/sweep/storage/storage';
import { freePort, PostgresServer, startPostgresServer } from './postgres-server';
import { sweepDefinition } from '../sweep/fixtures/definitions';

describe('unreachable server (no PostgreSQL needed)', () => {
  test('a closed loopback port fails in seconds after 3 stated attempts, with a progress line per retry, password never shown', async () => {
    const port = await freePort();
    const notices: RetryNotice[] = [];
    const started = Date.now();
    const failure = openPostgresStore(`postgres://someone:hunter2secret@127.0.0.1:${port}/db`, { retry: { onRetry: (notice) => notices.push(notice) } });
    await expect(failure).rejects.toThrow(/cannot open the PostgreSQL store at postgres:\/\/someone:\*+@127\.0\.0\.1:\d+\/db \(not reachable: gave up after 3 attempts in \d+\.\d s, each allowed 2\.0 s; check the host and port, and that the server is running\)/);
    await expect(failure).rejects.not.toThrow(/hunter2secret/);
    const seconds = (Date.now() - started) / 1000;
    expect(seconds).toBeLessThan(5);
    expect(notices.map((notice) => [notice.attempt, notice.maxAttempts])).toEqual([
      [1, 3],
      [2, 3],
    ]);
    expect(describeRetry('postgres://someone:***@127.0.0.1/db', notices[0])).toMatch(
      /^PostgreSQL at postgres:\/\/someone:\*\*\*@127\.0\.0\.1\/db not reachable \(ECONNREFUSED\); attempt 1 of 3 failed, retrying in 0\.25 s \(giving up after \d+ s more\)$/,
    );
  }, 20_000);

  test('a host that accepts but never answers is bounded by the connect timeout per attempt', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const started = Date.now();
      await expect(openPostgresStore(`postgres://someone@127.0.0.1:${port}/db`, { connectTimeoutMs: 400, retry: { onRetry: () => undefined } })).rejects.toThrow(
        /not reachable: gave up after 3 attempts .* each allowed 0\.4 s/,
      );
      // 3 attempts x 0.4 s + 0.25 s + 0.5 s of backoff.
      expect((Date.now() - started) / 1000).toBeLessThan(4);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  }, 20_000);
});

describe('against a real server', () => {
  let server: PostgresServer;
  const stores: PostgresTrialStore[] = [];
  beforeAll(async () => {
    server = await startPostgresServer();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close().catch(() => undefined)));
    await server?.destroy();
  });

  test('a connection lost while the store is open is retried with backoff, each retry said, and the operation completes', async () => {
    const notices: RetryNotice[] = [];
    const store = await openPostgresStore(server.url, { schema: 'reconnect', retry: { deadlineMs: 30_000, onRetry: (notice) => notices.push(notice) } });
    stores.push(store);
    const definition = sweepDefinition({ name: 'reconnect' });
    await store.openSweep({ definition, fingerprint: definitionFingerprint(definition) });
    await server.stop('immediate');
    const listing = store.listTrials('reconnect');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await server.start();
    await expect(listing).resolves.toEqual([]);
    expect(notices.length).toBeGreaterThan(0);
    // Backoff: waits grow (100 ms doubling, at most 2 s).
    const delays = notices.map((notice) => notice.delayMs);
    expect(delays[0]).toBe(100);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1]);
    expect(notices[0].maxAttempts).toBeUndefined(); // an established store retries until its deadline, not 3 times
  }, 60_000);

  test('a worker does not retry a configuration error (item 3): one attempt, failed, said why', async () => {
    const store = await openPostgresStore(server.url, { schema: 'nonretry', retry: { deadlineMs: 5000 } });
    stores.push(store);
    const definition = sweepDefinition({ name: 'nonretry', execution: { retries: 3 } });
    await store.openSweep({ definition, fingerprint: definitionFingerprint(definition) });
    await store.enqueueTrials('nonretry', [{ trialId: 'n1', configId: 'c1', sweepName: 'nonretry', arm: 'uniform', index: 0, params: { l2: 1e-3 }, seed: 1 }]);
    let calls = 0;
    const summary = await runWorker(
      store,
      'nonretry',
      async () => {
        calls++;
        throw new LayerwiseConfigError('model.inputSize', ' = 3 but the data has 2 features');
      },
      { workerId: 'nonretry-test', waitForRunning: false },
    );
    expect(calls).toBe(1);
    expect(summary).toMatchObject({ claimed: 1, finished: 1, requeued: 0 });
    const [record] = await store.listTrials('nonretry');
    expect(record).toMatchObject({ state: 'failed', attempts: 1 });
    expect(record.error).toBe('model.inputSize = 3 but the data has 2 features (not retried: a configuration error fails every attempt; failed 1 attempt)');
  }, 60_000);

  test('changing only training.epochs names training.epochs (not every top-level field) and suggests what works for a database', async () => {
    const store = await openPostgresStore(server.url, { schema: 'changed', retry: { deadlineMs: 5000 } });
    stores.push(store);
    const definition = sweepDefinition({ name: 'changed-def' });
    await store.openSweep({ definition, fingerprint: definitionFingerprint(definition) });
    const changed = sweepDefinition({ name: 'changed-def', training: { epochs: 9 } });
    const failure = store.openSweep({ definition: changed, fingerprint: definitionFingerprint(changed) });
    await expect(failure).rejects.toBeInstanceOf(SweepDefinitionChangedError);
    await expect(failure).rejects.toMatchObject({ changedFields: ['training.epochs'] });
    await expect(failure).rejects.toThrow(/use --extend to continue it with the new definition, or give the new definition another sweep name \("name"\)/);
    await expect(failure).rejects.not.toThrow(/output folder/);
    // The same definition reopens (jsonb key order is no change).
    await expect(store.openSweep({ definition, fingerprint: definitionFingerprint(definition) })).resolves.toMatchObject({ name: 'changed-def' });
  }, 60_000);
});
