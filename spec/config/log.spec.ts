import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLogger, formatPrettyLine, peerLogger } from '../../lib/log.js';

const log = suite('config/log');

log('JSON mode writes one JSON record per line; peer children carry the peer name and address', () => {
  const lines: string[] = [];
  const root = createLogger({ level: 'info', pretty: false, destination: { write: (l: string) => lines.push(l) } });
  peerLogger(root, { name: 'p1', address: '127.0.0.2' }).info({ hold: 90 }, 'established');
  root.debug('hidden at info');
  assert.is(lines.length, 1);
  const rec = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.is(rec.msg, 'established');
  assert.is(rec.peer, 'p1');
  assert.is(rec.address, '127.0.0.2');
  assert.is(rec.hold, 90);
  assert.is(rec.level, 30);
});

log('pretty mode prints a human line with level, peer, message and fields', () => {
  const lines: string[] = [];
  const root = createLogger({ level: 'debug', pretty: true, destination: { write: (l: string) => lines.push(l) } });
  peerLogger(root, { name: 'p1', address: '127.0.0.2' }).warn({ reason: 'hold-timer-expired' }, 'session down');
  assert.match(lines[0]!, /^\d\d:\d\d:\d\d\.\d{3} WARN  peer=p1  session down  address=127\.0\.0\.2 reason=hold-timer-expired\n$/);
});

log('pretty formatting of errors includes the message and, at error level, the stack', () => {
  const line = formatPrettyLine(JSON.stringify({ level: 50, time: 0, msg: 'failed', err: { message: 'boom', stack: 'Error: boom\n    at x' } }));
  assert.match(line, /ERROR  failed  err=boom\n {4}Error: boom/);
});

log.run();
