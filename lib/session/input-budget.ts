/**
 * Bounded per-peer input: the octets of a peer's received messages that the speaker has accepted from the
 * session but not processed yet (queued for a replica round, or deferred while the peer's previous table
 * is withdrawn). Above the bound the session stops reading the peer (BgpSession.pauseInput → socket
 * paused → TCP window closes → the peer's writes block); below the low-water mark it reads again.
 *
 * The pause happens *before* the bound can be crossed: input is paused as soon as one more message of
 * the largest size the session allows could exceed it, and a paused connection hands over nothing more
 * (not even the rest of the chunk being framed), so `queued` never exceeds `bound`.
 */
export const DEFAULT_MAX_QUEUED_INPUT_BYTES = 8 * 1024 * 1024;

/** What the budget needs from a session. */
export interface PausableInput {
  pauseInput(): void;
  resumeInput(): void;
}

export interface InputBudgetStatus {
  /** Octets queued now. */
  readonly queuedBytes: number;
  /** Highest `queuedBytes` seen. */
  readonly peakQueuedBytes: number;
  readonly boundBytes: number;
  readonly paused: boolean;
  /** How many times input was paused. */
  readonly pauses: number;
  /** Total time input has been paused (ms), including a pause under way. */
  readonly pausedMs: number;
}

export class InputBudget {
  private queued = 0;
  private peak = 0;
  private paused = false;
  private pauses = 0;
  private pausedTotalMs = 0;
  private pausedAt = 0;

  constructor(
    private readonly input: PausableInput,
    private bound: number = DEFAULT_MAX_QUEUED_INPUT_BYTES,
  ) {}

  /** Change the bound (configuration reload); takes effect at the next take/release. */
  setBound(bound: number): void {
    this.bound = bound;
  }

  /**
   * `bytes` of input were queued. `maxMessageLength` is the largest message the session may receive
   * next (4096, or 65535 with RFC 8654): pause when one more could cross the bound.
   */
  take(bytes: number, maxMessageLength: number): void {
    this.queued += bytes;
    if (this.queued > this.peak) this.peak = this.queued;
    if (!this.paused && this.queued + maxMessageLength > this.bound) {
      this.paused = true;
      this.pauses++;
      this.pausedAt = Date.now();
      this.input.pauseInput();
    }
  }

  /** `bytes` of queued input were processed (or dropped); resume at or below half the bound. */
  release(bytes: number): void {
    this.queued = Math.max(0, this.queued - bytes);
    if (this.paused && this.queued <= this.bound / 2) {
      this.paused = false;
      this.pausedTotalMs += Date.now() - this.pausedAt;
      this.input.resumeInput();
    }
  }

  status(): InputBudgetStatus {
    return {
      queuedBytes: this.queued,
      peakQueuedBytes: this.peak,
      boundBytes: this.bound,
      paused: this.paused,
      pauses: this.pauses,
      pausedMs: this.pausedTotalMs + (this.paused ? Date.now() - this.pausedAt : 0),
    };
  }
}
