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

export class SessionTimers {
  private readonly handles = new Map<TimerName, NodeJS.Timeout>();
  private readonly random: () => number;

  /** `random` is injectable so tests can pin the jitter. */
  constructor(private readonly onExpire: (timer: TimerName) => void, random: () => number = Math.random) {
    this.random = random;
  }

  /** (Re)start `timer` for `seconds`. 0 or less stops it instead (RFC 4271 §4.2: hold time 0 = no timers). */
  start(timer: TimerName, seconds: number): void {
    this.stop(timer);
    if (!(seconds > 0)) return;
    const factor = JITTERED.has(timer) ? 0.75 + 0.25 * this.random() : 1;
    const handle = setTimeout(() => {
      if (this.handles.get(timer) !== handle) return;
      this.handles.delete(timer);
      this.onExpire(timer);
    }, Math.max(1, Math.round(seconds * 1000 * factor)));
    handle.unref();
    this.handles.set(timer, handle);
  }

  stop(timer: TimerName): void {
    const handle = this.handles.get(timer);
    if (handle) {
      clearTimeout(handle);
      this.handles.delete(timer);
    }
  }

  stopAll(): void {
    for (const handle of this.handles.values()) clearTimeout(handle);
    this.handles.clear();
  }

  isRunning(timer: TimerName): boolean {
    return this.handles.has(timer);
  }

  /** Names of running timers (diagnostics and tests). */
  running(): TimerName[] {
    return [...this.handles.keys()];
  }
}
