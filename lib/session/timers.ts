/**
 * The session's RFC 4271 §10 timers (ConnectRetry, Hold, Keepalive) and the §8.1.1 IdleHoldTimer.
 *
 * - One Node timer per name; starting a running timer restarts it (no duplicates, no leaks).
 * - Every timer is unref'd: the sockets and the manager's listener keep the process alive, a timer alone
 *   never does (a library must not pin the event loop of a daemon that is shutting down).
 * - `stopAll()` runs on every transition to Idle and on stop(); the FSM names the others explicitly.
 * - RFC 4271 §10: "To minimize the likelihood that the distribution of BGP messages by a given BGP speaker
 *   will contain peaks, jitter SHOULD be applied to the timers associated with MinASOriginationInterval,
 *   KeepAlive, MinRouteAdvertisementInterval, and ConnectRetry." — a factor in [0.75, 1.0].
 */
import type { TimerName } from './fsm.js';

/** RFC 4271 §10: jitter applies to these timers only (never to Hold: expiry must not come late). */
const JITTERED: ReadonlySet<TimerName> = new Set<TimerName>(['connect-retry', 'keepalive']);

interface RunningTimer {
  handle: NodeJS.Timeout;
  /** When the Node timer fires (ms since the epoch). */
  firesAt: number;
  /** When the BGP timer expires; later than `firesAt` after a cheap restart (re-armed on firing). */
  deadline: number;
}

export class SessionTimers {
  private readonly timers = new Map<TimerName, RunningTimer>();
  private readonly random: () => number;

  /** `random` is injectable so tests can pin the jitter. */
  constructor(private readonly onExpire: (timer: TimerName) => void, random: () => number = Math.random) {
    this.random = random;
  }

  /**
   * (Re)start `timer` for `seconds`. 0 or less stops it instead (RFC 4271 §4.2: hold time 0 = no timers).
   * Restarting a running timer to a later deadline only moves the deadline (the Hold timer restarts on
   * every UPDATE: no clearTimeout/setTimeout per message); the Node timer re-arms itself when it fires early.
   */
  start(timer: TimerName, seconds: number): void {
    if (!(seconds > 0)) {
      this.stop(timer);
      return;
    }
    const factor = JITTERED.has(timer) ? 0.75 + 0.25 * this.random() : 1;
    const deadline = Date.now() + Math.max(1, Math.round(seconds * 1000 * factor));
    const running = this.timers.get(timer);
    if (running && deadline >= running.firesAt) {
      running.deadline = deadline;
      return;
    }
    this.stop(timer);
    this.arm(timer, deadline);
  }

  stop(timer: TimerName): void {
    const running = this.timers.get(timer);
    if (running) {
      clearTimeout(running.handle);
      this.timers.delete(timer);
    }
  }

  stopAll(): void {
    for (const t of this.timers.values()) clearTimeout(t.handle);
    this.timers.clear();
  }

  isRunning(timer: TimerName): boolean {
    return this.timers.has(timer);
  }

  /** Names of running timers (diagnostics and tests). */
  running(): TimerName[] {
    return [...this.timers.keys()];
  }

  private arm(timer: TimerName, deadline: number): void {
    const now = Date.now();
    // Assigned right below; read only when the timer fires.
    let entry: RunningTimer;
    const handle = setTimeout(() => {
      if (this.timers.get(timer) !== entry) return;
      if (entry.deadline > Date.now()) {
        this.arm(timer, entry.deadline); // restarted since: wait for the rest
        return;
      }
      this.timers.delete(timer);
      this.onExpire(timer);
    }, Math.max(1, deadline - now));
    handle.unref();
    entry = { handle, firesAt: deadline, deadline };
    this.timers.set(timer, entry);
  }
}
