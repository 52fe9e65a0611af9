#!/usr/bin/env node
/**
 * btrd — the bug-tolerant BGP speaker. Thin: parse arguments, load the configuration, start the speaker and
 * the JSON API, and handle signals (SIGHUP reload; SIGTERM/SIGINT stop). Exit codes: 0 ok, 1 runtime
 * failure, 2 bad configuration or usage.
 */
import { readFileSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ApiServer } from '../lib/api/server.js';
import { ConfigError } from '../lib/config/errors.js';
import { DEFAULT_CONFIG_YAML } from '../lib/config/default.js';
import { loadConfigFile, loadDefaultConfig, EMBEDDED_CONFIG_NAME, type ConfigOverrides } from '../lib/config/load.js';
import type { BtrdConfig } from '../lib/config/types.js';
import type { Logger } from '../lib/log.js';
import type { Speaker } from '../lib/speaker.js';

const USAGE = `Usage: btrd [options]

  -c, --config FILE         configuration file (YAML); default: the embedded default config
      --check               validate the configuration, print the result and exit (0 ok, 2 invalid)
      --print-default-config
                            print the annotated default configuration and exit
      --log-level LEVEL     trace | debug | info | warn | error (overrides log.level)
      --router-id ID        overrides router-id
      --asn N               overrides asn
      --listen ADDR:PORT    overrides listen (repeatable; [::1]:1179 for IPv6)
      --replicas N          overrides replicas (decision-process replicas; 1 = no voting)
      --voting MODE         overrides replication.mode: master | k-of-n | continuous-majority | consensus
      --k N                 overrides replication.k (k-of-n: agreeing replicas needed)
      --spares N            overrides replication.spares (warm spare replicas; needs --replicas >= 2)
  -h, --help                this help
  -v, --version             print the version

Signals: SIGHUP re-reads the configuration file (an invalid file is logged and the running configuration
kept); SIGTERM and SIGINT send every peer a Cease / Administrative Shutdown NOTIFICATION (RFC 4486,
RFC 9003 message), stop the speaker and exit 0 (1 if that takes over 10 s, BTRD_SHUTDOWN_MS); a second
signal exits at once. See README.md § Configuration.
`;

/** Longest a graceful stop (SIGTERM/SIGINT) may take before btrd exits anyway; BTRD_SHUTDOWN_MS overrides. */
const SHUTDOWN_BOUND_MS = Number(process.env.BTRD_SHUTDOWN_MS ?? '') > 0 ? Number(process.env.BTRD_SHUTDOWN_MS) : 10000;

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

interface Cli {
  file: string | undefined;
  check: boolean;
  printDefault: boolean;
  help: boolean;
  version: boolean;
  overrides: ConfigOverrides;
}

function parseCli(argv: string[]): Cli {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      config: { type: 'string', short: 'c' },
      check: { type: 'boolean', default: false },
      'print-default-config': { type: 'boolean', default: false },
      'log-level': { type: 'string' },
      'router-id': { type: 'string' },
      asn: { type: 'string' },
      listen: { type: 'string', multiple: true },
      replicas: { type: 'string' },
      voting: { type: 'string' },
      k: { type: 'string' },
      spares: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', short: 'v', default: false },
    },
  });
  const overrides: ConfigOverrides = {};
  if (values['log-level'] !== undefined) overrides.logLevel = values['log-level'];
  if (values['router-id'] !== undefined) overrides.routerId = values['router-id'];
  if (values.asn !== undefined) overrides.asn = values.asn;
  if (values.listen !== undefined) overrides.listen = values.listen;
  if (values.replicas !== undefined) overrides.replicas = values.replicas;
  if (values.voting !== undefined) overrides.voting = values.voting;
  if (values.k !== undefined) overrides.k = values.k;
  if (values.spares !== undefined) overrides.spares = values.spares;
  return {
    file: values.config,
    check: values.check === true,
    printDefault: values['print-default-config'] === true,
    help: values.help === true,
    version: values.version === true,
    overrides,
  };
}

function loadConfig(cli: Cli): Promise<BtrdConfig> {
  return cli.file === undefined ? Promise.resolve().then(() => loadDefaultConfig(cli.overrides)) : loadConfigFile(cli.file, cli.overrides);
}

async function startApi(config: BtrdConfig, speaker: Speaker, logger: Logger, reload?: () => Promise<void>): Promise<ApiServer | null> {
  if (!config.api) return null;
  const [{ startApiServer }, { setMetricsSource }] = await Promise.all([import('../lib/api/server.js'), import('../lib/metrics/index.js')]);
  setMetricsSource(speaker);
  return startApiServer({
    listen: config.api.listen,
    provider: speaker,
    info: { routerId: config.routerId, asn: config.asn, version: version() },
    logger: logger.child({ component: 'api' }),
    write: { enabled: config.api.enableWrite, ...(config.api.writeToken !== undefined ? { token: config.api.writeToken } : {}) },
    ...(reload ? { actions: { reload } } : {}),
  });
}

async function main(): Promise<number | undefined> {
  let cli: Cli;
  try {
    cli = parseCli(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`btrd: ${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
    return 2;
  }
  if (cli.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (cli.version) {
    process.stdout.write(`btrd ${version()}\n`);
    return 0;
  }
  if (cli.printDefault) {
    process.stdout.write(DEFAULT_CONFIG_YAML);
    return 0;
  }

  let config: BtrdConfig;
  try {
    config = await loadConfig(cli);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`btrd: ${e.message}\n`);
    return 2;
  }
  const source = cli.file ?? EMBEDDED_CONFIG_NAME;
  if (cli.check) {
    process.stdout.write(`btrd: configuration OK: ${source} (router-id ${config.routerId}, AS ${config.asn}, ${config.peers.length} peer(s))\n`);
    return 0;
  }

  // Loaded only now, so that --check and --print-default-config stay fast.
  const [{ createLogger }, { Speaker: SpeakerClass }] = await Promise.all([import('../lib/log.js'), import('../lib/speaker.js')]);
  const logger = createLogger(config.log);
  const speaker = new SpeakerClass(config, logger);
  try {
    await speaker.start();
  } catch (err) {
    logger.fatal({ err }, 'speaker failed to start');
    return 1;
  }
  let api: ApiServer | null;
  let apiReload: () => Promise<void> = () => Promise.reject(new Error('not started yet'));
  try {
    api = await startApi(config, speaker, logger, () => apiReload());
  } catch (err) {
    logger.fatal({ err }, 'api failed to start');
    await speaker.stop().catch(() => undefined);
    return 1;
  }
  // Keeps the process alive even when nothing else holds the event loop (no API, no sockets yet).
  const keepAlive = setInterval(() => undefined, 1 << 30);
  logger.info({ config: source, routerId: config.routerId, asn: config.asn, peers: config.peers.length, replicas: config.replicas, pid: process.pid }, 'btrd started');

  let current = config;
  let busy: Promise<void> = Promise.resolve();
  let stopping = false;

  const reload = async (): Promise<void> => {
    let next: BtrdConfig;
    try {
      next = await loadConfig(cli);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      logger.error({ code: err.code, problems: err.problems.length, detail: err.message }, 'reload failed: invalid configuration, keeping the running one');
      return;
    }
    if (next.log.pretty !== current.log.pretty) logger.warn('log.pretty changes take effect at the next start');
    logger.level = next.log.level;
    try {
      await speaker.reload(next);
    } catch (err) {
      logger.error({ err }, 'reload failed: the speaker rejected the configuration, keeping the running one');
      return;
    }
    if (JSON.stringify(next.api) !== JSON.stringify(current.api) || next.routerId !== current.routerId || next.asn !== current.asn) {
      await api?.close();
      api = null;
      try {
        api = await startApi(next, speaker, logger, () => apiReload());
      } catch (err) {
        logger.error({ err }, 'api restart failed; the API stays down until the next reload');
      }
    }
    current = next;
    logger.info({ config: source, peers: next.peers.length }, 'configuration reloaded');
  };

  // POST /reload (API write): the same as SIGHUP, serialised with it; the answer waits for the reload.
  apiReload = (): Promise<void> => {
    if (stopping) return Promise.reject(new Error('daemon is stopping'));
    logger.info({ config: source }, 'API: reloading configuration');
    const run = busy.then(reload);
    busy = run.catch(() => undefined);
    return run;
  };

  // Graceful shutdown: every established peer gets a Cease / Administrative Shutdown NOTIFICATION (RFC 4486
  // subcode 2) carrying a Shutdown Communication (RFC 9003), the sessions close, the replicas stop, exit 0.
  // Bounded: a stop that hangs (a peer that never closes, a stuck replica) exits 1 after SHUTDOWN_BOUND_MS.
  // A second signal exits at once (1).
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) {
      logger.warn({ signal }, 'second signal while stopping: exiting now');
      // The logger writes asynchronously and exit() would drop the line: say it synchronously too.
      writeSync(2, `btrd: ${signal}: second signal while stopping: exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'stopping: notifying peers (Cease, administrative shutdown)');
    const bound = setTimeout(() => {
      logger.error({ boundMs: SHUTDOWN_BOUND_MS }, 'graceful stop did not finish in time: exiting');
      process.exit(1);
    }, SHUTDOWN_BOUND_MS);
    bound.unref();
    await busy.catch(() => undefined);
    let code = 0;
    try {
      await api?.close();
      await speaker.stop(`btrd shutting down (${signal})`);
    } catch (err) {
      logger.error({ err }, 'error while stopping');
      code = 1;
    }
    clearInterval(keepAlive);
    logger.info('stopped');
    process.exit(code);
  };

  process.on('SIGHUP', () => {
    if (stopping) return;
    logger.info({ config: source }, 'SIGHUP: reloading configuration');
    busy = busy.then(reload).catch((err: unknown) => logger.error({ err }, 'reload failed'));
  });
  // Last line of defence: every peer event is already guarded in the speaker (a failure resets that one
  // session), so an error reaching here is logged and the daemon keeps serving the other sessions.
  process.on('uncaughtException', (err) => logger.error({ err }, 'uncaught exception (daemon continues)'));
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection (daemon continues)'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  return undefined;
}

main().then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`btrd: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
