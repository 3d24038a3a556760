/**
 * Issue 18, item 4 (defect found by bench/sweep/postgres-chaos.ts): a worker started while the
 * database restarts exited with "cannot open the PostgreSQL store" although the server answered
 * "the database system is not yet accepting connections". Opening now fails fast only while
 * nothing answers at the address (a wrong host or port); once a server has answered, it waits for
 * it under the long outage policy, like any operation of a running sweep. No server needed here:
 * the operation is a stand-in that fails with the errors `pg` raises.
 */
import { retryFirstContact, serverAnswered } from '../../lib/sweep/postgres/store';
import type { RetryNotice } from '../../lib/sweep/postgres/connection';

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5999'), { code: 'ECONNREFUSED' });
const starting = Object.assign(new Error('the database system is not yet accepting connections'), { code: '57P03' });
const fast = { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2, deadlineMs: 1000 };
const outage = { initialDelayMs: 1, maxDelayMs: 2, deadlineMs: 5000 };

/** An operation failing with `errors` in turn, then returning 'open'. */
function failing(errors: unknown[]): { operation: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    operation: async () => {
      calls++;
      if (calls <= errors.length) throw errors[calls - 1];
      return 'open';
    },
    calls: () => calls,
  };
}

test('a server that answers "starting up" is waited for past the fast first-contact limit (3 attempts), and each wait is announced', async () => {
  const { operation, calls } = failing([refused, starting, starting, starting, starting, starting]);
  const notices: RetryNotice[] = [];
  await expect(retryFirstContact(operation, fast, { ...outage, onRetry: (notice) => notices.push(notice) })).resolves.toBe('open');
  expect(calls()).toBe(7);
  expect(notices.length).toBeGreaterThanOrEqual(3);
});

test('nothing ever answering (wrong port) still fails after the 3 fast attempts, with the connection error', async () => {
  const { operation, calls } = failing(Array(10).fill(refused));
  await expect(retryFirstContact(operation, fast, outage)).rejects.toThrow('ECONNREFUSED');
  expect(calls()).toBe(3);
});

test('a non-transient error (bad password) is not retried at all', async () => {
  const denied = Object.assign(new Error('password authentication failed for user "x"'), { code: '28P01' });
  const { operation, calls } = failing([denied]);
  await expect(retryFirstContact(operation, fast, outage)).rejects.toThrow('password authentication failed');
  expect(calls()).toBe(1);
});

test('serverAnswered: restart states and dropped connections count, refusals and timeouts do not', () => {
  expect(serverAnswered(starting)).toBe(true);
  expect(serverAnswered(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
  expect(serverAnswered(new Error('Connection terminated unexpectedly'))).toBe(true);
  expect(serverAnswered(refused)).toBe(false);
  expect(serverAnswered(new Error('timeout exceeded when trying to connect'))).toBe(false);
});
