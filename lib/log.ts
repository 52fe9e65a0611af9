/**
 * Logging: pino, JSON lines to stdout by default; `pretty: true` prints one human line per record
 * (`12:00:00.123 INFO  peer=sample  session established  hold=90`) without pino-pretty. Peers log through
 * child loggers (`peerLogger`) so every record names its peer.
 */
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { LogLevel } from './config/types.js';

export type Logger = PinoLogger;

export interface LoggerOptions {
  level: LogLevel;
  pretty: boolean;
  /** Where lines go; default stdout (synchronous, so nothing is lost on exit). */
  destination?: { write(line: string): unknown };
}

const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Keys that the pretty line shows in fixed places (or drops). */
const FIXED = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name', 'peer']);

function formatValue(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  return JSON.stringify(v);
}

/** One pino JSON record → one human-readable line (plus the stack of an `err`, indented). */
export function formatPrettyLine(json: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const time = typeof rec.time === 'number' ? new Date(rec.time).toISOString().slice(11, 23) : '';
  const level = (LEVEL_NAMES[Number(rec.level)] ?? String(rec.level)).padEnd(5);
  const peer = rec.peer !== undefined ? ` peer=${formatValue(rec.peer)}` : '';
  const rest: string[] = [];
  let stack = '';
  for (const [k, v] of Object.entries(rec)) {
    if (FIXED.has(k)) continue;
    if (k === 'err' && v !== null && typeof v === 'object') {
      const e = v as { message?: unknown; stack?: unknown; code?: unknown };
      rest.push(`err=${formatValue(String(e.message ?? ''))}`);
      if (e.code !== undefined) rest.push(`code=${formatValue(e.code)}`);
      if (typeof e.stack === 'string' && Number(rec.level) >= 50) stack = '\n' + e.stack.replace(/^/gm, '    ');
      continue;
    }
    rest.push(`${k}=${formatValue(v)}`);
  }
  const msg = typeof rec.msg === 'string' ? rec.msg : '';
  return `${time} ${level}${peer}  ${msg}${rest.length ? '  ' + rest.join(' ') : ''}${stack}\n`;
}

class PrettyStream implements DestinationStream {
  constructor(private readonly out: { write(line: string): unknown }) {}
  write(line: string): void {
    this.out.write(formatPrettyLine(line.trimEnd()));
  }
}

/** The root logger. */
export function createLogger(opts: LoggerOptions): Logger {
  const base = opts.destination ?? pino.destination({ dest: 1, sync: true });
  const dest: DestinationStream = opts.pretty ? new PrettyStream(base) : (base as DestinationStream);
  return pino({ level: opts.level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.epochTime }, dest);
}

/** A child logger whose records carry the peer's name and address. */
export function peerLogger(root: Logger, peer: { name: string; address: string }): Logger {
  return root.child({ peer: peer.name, address: peer.address });
}
