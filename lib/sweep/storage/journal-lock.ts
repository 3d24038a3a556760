/**
 * The lock every writer of a journal takes: the sweep that appends to it and `sweep merge`, which
 * replaces it. A lock file `<journal>.lock` holds the owner's pid, host and start time. A lock
 * left by a dead process on this host is taken over; a live holder (another process, or another
 * writer in this same process) is refused with {@link JournalLockedError} naming it.
 */
import * as fs from 'fs';
import * as os from 'os';
import { TrialStateError } from './storage';

/** Lock files held by this process: a second writer in the same process is refused too. */
const heldHere = new Set<string>();

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Another writer holds the journal. Nothing was changed. */
export class JournalLockedError extends TrialStateError {
  constructor(readonly journal: string, readonly lockFile: string, readonly holder: { pid?: number; host?: string; at?: string }) {
    super(
      `${journal} is being written by process ${holder.pid ?? '?'} on ${holder.host ?? '?'}${holder.at ? ` since ${holder.at}` : ''}; ` +
        `wait for it to finish (or stop it), or remove ${lockFile} if that process is gone`,
    );
    this.name = 'JournalLockedError';
  }
}

export class JournalLock {
  readonly lockFile: string;
  private held = false;

  /** @param journal the journal file this lock guards; the lock file is `${journal}.lock`. */
  constructor(readonly journal: string) {
    this.lockFile = `${journal}.lock`;
  }

  /** Takes the lock or throws {@link JournalLockedError}. */
  acquire(): void {
    const content = JSON.stringify({ pid: process.pid, host: os.hostname(), at: new Date().toISOString() });
    for (let tries = 0; tries < 2; tries++) {
      try {
        fs.writeFileSync(this.lockFile, content, { flag: 'wx' });
        this.held = true;
        heldHere.add(this.lockFile);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      let holder: { pid?: number; host?: string; at?: string } = {};
      try {
        holder = JSON.parse(fs.readFileSync(this.lockFile, 'utf8'));
      } catch {
        // A torn lock file: its writer died while creating it.
      }
      const sameHost = holder.host === os.hostname();
      const aliveElsewhere = holder.pid !== undefined && sameHost && holder.pid !== process.pid && processAlive(holder.pid);
      const aliveHere = holder.pid === process.pid && sameHost && heldHere.has(this.lockFile);
      const otherHost = holder.host !== undefined && !sameHost;
      if (aliveElsewhere || aliveHere || otherHost) throw new JournalLockedError(this.journal, this.lockFile, holder);
      fs.rmSync(this.lockFile, { force: true });
    }
    throw new TrialStateError(`cannot lock ${this.journal}`);
  }

  /** Releases the lock (no-op when not held). */
  release(): void {
    if (!this.held) return;
    this.held = false;
    heldHere.delete(this.lockFile);
    try {
      fs.unlinkSync(this.lockFile);
    } catch {
      // Already gone: nothing to release.
    }
  }
}
