/**
 * The time limit of one trial attempt (`execution.trialTimeoutSeconds`), counted on the attempt's
 * own running time: the clock stops while the attempt waits for the loop's answer to an epoch
 * (the epoch being recorded, then the pruning gate, which may wait for earlier trials of the plan
 * to reach that epoch). A trial held at the gate is not running, so it cannot time out there; the
 * limit still stops one that runs too long between its epochs.
 */
export class RunningTimeLimit {
  /** Milliseconds of running time counted before the current running stretch began. */
  private spentMilliseconds = 0;
  /** When the current running stretch began (performance.now()); undefined while waiting or ended. */
  private runningSince: number | undefined;
  /** Answers being waited for now (the clock runs only when none is). */
  private waits = 0;
  private timer: NodeJS.Timeout | undefined;
  private ended = false;

  /**
   * Starts the clock now.
   * @param limitSeconds running time allowed; undefined: no limit (nothing is ever called).
   * @param onExpired called once when the running time reaches the limit.
   */
  constructor(
    private readonly limitSeconds: number | undefined,
    private readonly onExpired: () => void,
  ) {
    this.run();
  }

  /** Runs `wait` (a wait for an epoch's answer) with the clock stopped; the clock goes on when it settles. */
  async excluding<Answer>(wait: () => Promise<Answer>): Promise<Answer> {
    this.pause();
    try {
      return await wait();
    } finally {
      this.resume();
    }
  }

  /** Stops the clock until the matching `resume` (waits may overlap: the clock runs when none is left). */
  pause(): void {
    this.waits++;
    if (this.waits > 1 || this.runningSince === undefined) return;
    this.spentMilliseconds += performance.now() - this.runningSince;
    this.runningSince = undefined;
    this.clearTimer();
  }

  /** Ends a wait begun by `pause`. */
  resume(): void {
    this.waits = Math.max(0, this.waits - 1);
    if (this.waits === 0) this.run();
  }

  /** Stops the clock for good (the attempt ended); `onExpired` is not called after this. */
  end(): void {
    this.ended = true;
    this.runningSince = undefined;
    this.clearTimer();
  }

  private run(): void {
    if (this.limitSeconds === undefined || this.ended) return;
    this.runningSince = performance.now();
    const left = Math.max(0, 1000 * this.limitSeconds - this.spentMilliseconds);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.end();
      this.onExpired();
    }, left);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
