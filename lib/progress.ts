/**
 * Progress of long work (loading an MRT file, sending a table): on a TTY one line rewritten in place
 * (`loading rib.gz  412,000 prefixes  85,300/s  48 %  ETA 6 s`); otherwise (logs, CI) one plain line every
 * `intervalMs`, so a long load still shows that it moves without flooding the log.
 */

export interface ProgressOptions {
  /** What is being done ("loading jinx RIB"). */
  label: string;
  /** The unit counted ("prefixes", "messages"). */
  unit: string;
  /** Expected total; unknown: no percentage or ETA. */
  total?: number;
  /** Where to write; default process.stderr. A TTY stream (isTTY) gets the in-place line. */
  stream?: { write(s: string): unknown; isTTY?: boolean };
  /** Non-TTY: a line at most this often (default 5000 ms). TTY: redraw at most every 200 ms. */
  intervalMs?: number;
  /** Non-TTY: send lines here instead of the stream (e.g. a pino logger's info). */
  log?: (fields: Record<string, number | string>, msg: string) => void;
  /** Clock (tests). */
  now?: () => number;
}

const fmt = new Intl.NumberFormat('en-US');

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.ceil(s)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export class Progress {
  private done = 0;
  private readonly start: number;
  private lastDraw = -Infinity;
  private readonly tty: boolean;
  private readonly stream: { write(s: string): unknown; isTTY?: boolean };
  private finished = false;

  constructor(private readonly o: ProgressOptions) {
    this.stream = o.stream ?? process.stderr;
    this.tty = this.stream.isTTY === true && o.log === undefined;
    this.start = this.now();
    // Non-TTY: the first line after one interval (a short job prints only its final line).
    if (!this.tty) this.lastDraw = this.start;
  }

  private now(): number {
    return this.o.now ? this.o.now() : performance.now();
  }

  get count(): number {
    return this.done;
  }

  /** Items per second since the start. */
  rate(at = this.now()): number {
    const s = (at - this.start) / 1000;
    return s > 0 ? this.done / s : 0;
  }

  /** Seconds left at the current rate; undefined without a total. */
  eta(at = this.now()): number | undefined {
    if (this.o.total === undefined) return undefined;
    const r = this.rate(at);
    return r > 0 ? Math.max(0, this.o.total - this.done) / r : Infinity;
  }

  /** The status text (without line control). */
  line(at = this.now()): string {
    const parts = [`${this.o.label}  ${fmt.format(this.done)}${this.o.total !== undefined ? `/${fmt.format(this.o.total)}` : ''} ${this.o.unit}`, `${fmt.format(Math.round(this.rate(at)))}/s`];
    if (this.o.total !== undefined && this.o.total > 0) {
      parts.push(`${Math.min(100, Math.floor((this.done * 100) / this.o.total))} %`);
      parts.push(`ETA ${formatSeconds(this.eta(at) ?? Infinity)}`);
    }
    return parts.join('  ');
  }

  add(n = 1): void {
    this.done += n;
    const at = this.now();
    const every = this.tty ? 200 : (this.o.intervalMs ?? 5000);
    if (at - this.lastDraw < every) return;
    this.lastDraw = at;
    this.draw(at);
  }

  private draw(at: number): void {
    if (this.tty) this.stream.write(`\r\x1b[K${this.line(at)}`);
    else if (this.o.log) this.o.log({ done: this.done, perSecond: Math.round(this.rate(at)), ...(this.o.total !== undefined ? { total: this.o.total, etaSeconds: Math.round(this.eta(at) ?? 0) } : {}) }, `${this.o.label}: in progress`);
    else this.stream.write(`${this.line(at)}\n`);
  }

  /** Final line: total, elapsed, mean rate. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    const at = this.now();
    const secs = (at - this.start) / 1000;
    const text = `${this.o.label}  ${fmt.format(this.done)} ${this.o.unit} in ${secs.toFixed(1)} s (${fmt.format(Math.round(this.rate(at)))}/s)`;
    if (this.tty) this.stream.write(`\r\x1b[K${text}\n`);
    else if (this.o.log) this.o.log({ done: this.done, seconds: Math.round(secs * 10) / 10, perSecond: Math.round(this.rate(at)) }, `${this.o.label}: done`);
    else this.stream.write(`${text}\n`);
  }
}
