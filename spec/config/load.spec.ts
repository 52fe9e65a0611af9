import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_CONFIG_YAML } from '../../lib/config/default.js';
import { ConfigError } from '../../lib/config/errors.js';
import { EMBEDDED_CONFIG_NAME, loadConfigFile, loadDefaultConfig, parseConfig, parsePolicyPath } from '../../lib/config/load.js';
import { RawConfigSchema, knownKeysAt } from '../../lib/config/schema.js';
import { suggestKey } from '../../lib/config/suggest.js';

const load = suite('config/load');

const MINIMAL = 'router-id: 10.0.0.1\nasn: 65000\n';

load('the embedded default config validates and describes a speaker on 127.0.0.1:1179 with a passive peer on 127.0.0.2', () => {
  const c = loadDefaultConfig();
  assert.is(c.routerId, '192.0.2.1');
  assert.equal(c.listen, [{ address: '127.0.0.1', port: 1179 }]);
  assert.is(c.peers.length, 1);
  assert.is(c.peers[0]!.address, '127.0.0.2');
  assert.is(c.peers[0]!.passive, true);
  assert.equal(c.api, { listen: '127.0.0.1:8179', enableWrite: false });
});

load('every key of the schema appears in the annotated default config (documented sample)', () => {
  const walk = (path: (string | number)[]): string[] => knownKeysAt(path).flatMap((k) => [k, ...walk([...path, k]), ...walk([...path, k, 0])]);
  const keys = new Set([...walk([]), ...walk(['peers', 0, 'import', 'terms', 0])]);
  for (const k of keys) assert.ok(new RegExp(`(^|[\\s{#-])${k}:`, 'm').test(DEFAULT_CONFIG_YAML), `key ${k} is not in the default config`);
});

load('a minimal config gets the documented defaults', () => {
  const c = parseConfig(MINIMAL, 'min.yaml');
  assert.equal(c, {
    routerId: '10.0.0.1',
    asn: 65000,
    listen: [{ address: '127.0.0.1', port: 179 }],
    decision: { alwaysCompareMed: false, deterministicMed: true },
    routes: [],
    resolveAllNextHops: true,
    peers: [],
    api: { listen: '127.0.0.1:8179', enableWrite: false },
    log: { level: 'info', pretty: false },
    replicas: 1,
    replication: { mode: 'continuous-majority', roundDeadlineMs: 10000, maxRoundUpdates: 2000, spares: 0, knobs: [{ impl: 'a' }], controller: { restart: true, restartBackoffMs: 200, maxRestarts: 5, wrongThreshold: { m: 3, w: 10 } } },
    fib: { backends: ['memory'], kernel: { table: 254, protocol: 186, onShutdown: 'remove', startupHoldMs: 0 }, audit: { intervalMs: 60000, idleMs: 2000 } },
  });
});

load('fib: backend names or a list; errors name the field', () => {
  const c = parseConfig(`${MINIMAL}
fib: { backend: [kernel, mrt], kernel: { table: 100, protocol: 201, on-shutdown: keep }, mrt: { path: /tmp/x.mrt, interval-ms: 5000 }, audit: { interval-ms: 500, idle-ms: 50 } }
`, 'f.yaml');
  assert.equal(c.fib, { backends: ['kernel', 'mrt'], kernel: { table: 100, protocol: 201, onShutdown: 'keep', startupHoldMs: 0 }, mrt: { path: '/tmp/x.mrt', intervalMs: 5000 }, audit: { intervalMs: 500, idleMs: 50 } });
  assert.equal(parseConfig(`${MINIMAL}\nfib: { backend: kernel }\n`, 'f.yaml').fib!.backends, ['kernel']);
  assert.is(parseConfig(`${MINIMAL}\nfib: null\n`, 'f.yaml').fib, null, 'fib: null = no FIB');
  assert.throws(() => parseConfig(`${MINIMAL}\nfib: { backend: netlink }\n`, 'f.yaml'), /fib\.backend.*one of memory, kernel, mrt/);
  assert.throws(() => parseConfig(`${MINIMAL}\nfib: { backend: mrt }\n`, 'f.yaml'), /fib\.mrt\.path/);
  assert.throws(() => parseConfig(`${MINIMAL}\nfib: { kernel: { protocol: 2 } }\n`, 'f.yaml'), /fib\.kernel\.protocol.*5\.\.255/);
  assert.throws(() => parseConfig(`${MINIMAL}\nfib: { kernel: { on-shutdown: flush } }\n`, 'f.yaml'), /fib\.kernel\.on-shutdown.*keep, remove/);
  assert.throws(() => parseConfig(`${MINIMAL}\nfib: { audit: { interval-ms: 5 } }\n`, 'f.yaml'), /fib\.audit\.interval-ms/);
});

load('replication.controller and per-replica fault keys (kebab-case) reach the config; m > w is refused', () => {
  const c = parseConfig(`${MINIMAL}
replicas: 3
replication:
  controller: { restart-backoff-ms: 50, max-restarts: 2, heap-limit-mb: 512, wrong-threshold: { m: 2, w: 5 } }
  knobs:
    - fault: { crash-as-path-longer-than: 255, only-impl: a }
    - fault: { wrong-best-in-range: 10.0.0.0/8, wrong-best-prefers: longest-as-path, flip-next-hop-bit: { bit: 3 }, hang-on-prefix: 192.0.2.0/24, hang-ms: 100, leak-bytes-per-update: 10, crash-after-rounds: 7, crash-on-attribute-type: 99 }
`, 'c.yaml');
  assert.equal(c.replication.controller, { restart: true, restartBackoffMs: 50, maxRestarts: 2, heapLimitMb: 512, wrongThreshold: { m: 2, w: 5 } });
  assert.equal(c.replication.knobs[0].fault, { crashAsPathLongerThan: 255, onlyImpl: 'a' });
  assert.equal(c.replication.knobs[1].fault, { wrongBestInRange: '10.0.0.0/8', wrongBestPrefers: 'longest-as-path', flipNextHopBit: { bit: 3 }, hangOnPrefix: '192.0.2.0/24', hangMs: 100, leakBytesPerUpdate: 10, crashAfterRounds: 7, crashOnAttributeType: 99 });
  assert.is(c.replication.knobs[2].fault, undefined);
  assert.throws(() => parseConfig(`${MINIMAL}
replicas: 3
replication: { controller: { wrong-threshold: { m: 6, w: 5 } } }
`, 'c.yaml'), /wrong-threshold/);
  assert.throws(() => parseConfig(`${MINIMAL}
replicas: 3
replication: { knobs: [{ fault: { crash-on-attribute-type: 300 } }] }
`, 'c.yaml'), /crash-on-attribute-type/);
});

load('replication.spares: knobs after the replicas\' are the spares\' (automatic diversity continued); refused with one replica or with address blocks', () => {
  const c = parseConfig(`${MINIMAL}
replicas: 3
replication: { spares: 2, knobs: [{}, {}, {}, { impl: a, order-seed: 40 }] }
`, 's.yaml');
  assert.is(c.replication.spares, 2);
  assert.equal(c.replication.knobs.slice(3), [
    { impl: 'a', orderSeed: 40, tiebreakSeed: 4 },
    { impl: 'a', orderSeed: 5, tiebreakSeed: 5 },
  ]);
  const seeds = c.replication.knobs.map((k) => k.orderSeed);
  assert.is(new Set(seeds).size, 5, 'every spare has an order seed no voting replica has');
  assert.is(parseConfig(MINIMAL, 'm.yaml').replication.spares, 0, 'default: no spares');
  assert.throws(() => parseConfig(`${MINIMAL}\nreplicas: 1\nreplication: { spares: 1 }\n`, 's.yaml'), /replication\.spares: spares = 1 needs replicas ≥ 2/);
  assert.throws(() => parseConfig(`${MINIMAL}\nreplicas: 3\nreplication: { spares: 17 }\n`, 's.yaml'), /replication\.spares: .*0\.\.16/);
  assert.throws(() => parseConfig(`${MINIMAL}\nreplicas: 2\nreplication: { spares: 1, knobs: [{}, {}, { prefixes: [0.0.0.0/1] }] }\n`, 's.yaml'), /replication\.knobs\.2\.prefixes|replication\.knobs\[2\]\.prefixes/);
  assert.throws(() => parseConfig(`${MINIMAL}\nreplicas: 2\nreplication: { spares: 1, knobs: [{}, {}, {}, {}] }\n`, 's.yaml'), /4 knob sets for 2 replicas and 1 spares/);
});

load('replicas without knobs get automatic diversity; explicit knobs are kept', () => {
  const c = parseConfig(`${MINIMAL}
replicas: 3
replication: { mode: k-of-n, k: 2, knobs: [{ impl: b, order-seed: 7, prefixes: [0.0.0.0/1] }] }
`, 'r.yaml');
  assert.equal(c.replication.knobs, [
    { impl: 'b', orderSeed: 7, tiebreakSeed: 1, prefixes: ['0.0.0.0/1'] },
    { impl: 'b', orderSeed: 2, tiebreakSeed: 2 },
    { impl: 'a', orderSeed: 3, tiebreakSeed: 3, reverseScan: true },
  ]);
  assert.is(c.replication.k, 2);
  assert.throws(() => parseConfig(`${MINIMAL}
replicas: 2
replication: { mode: master, k: 2 }
`, 'r.yaml'), /replication\.k: k only applies to mode k-of-n/);
});

load('an empty file reports both required keys, naming the file', () => {
  try {
    parseConfig('', 'empty.yaml');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, ConfigError);
    const err = e as ConfigError;
    assert.is(err.code, 'BTRD_ERR_CONFIG');
    assert.equal(err.problems.map((p) => p.path).sort(), ['asn', 'router-id']);
    assert.match(err.message, /empty\.yaml/);
    assert.match(err.message, /router-id: expected a non-zero dotted-quad/);
  }
});

load('kebab-case keys map to camelCase fields, peer defaults filled', () => {
  const c = parseConfig(
    `${MINIMAL}cluster-id: 10.0.0.9
decision: { always-compare-med: true, deterministic-med: true }
routes:
  - { prefix: 10.1.0.0/16, next-hop: 10.0.0.2, igp-cost: 20 }
  - { prefix: 10.2.0.0/16, kind: connected }
api: { listen: "[::1]:9000", write-token: 0123456789abcdef, enable-write: true }
log: { level: debug, pretty: true }
replicas: 3
peers:
  - name: ibgp
    address: 10.0.0.2
    remote-as: 65000
    local-address: 10.0.0.1
    local-port: 1790
    route-reflector-client: true
    add-path-receive: true
    next-hop-self: true
    hold-time: 0
    connect-retry-time: 30
    idle-hold-time: 1
    max-prefixes: { limit: 1000, restart-after: 60 }
    import:
      terms:
        - name: t1
          match:
            prefixes: [{ prefix: 10.0.0.0/8, ge: 16, le: 24 }]
            as-path-regex: "^65001 "
            as-path-contains: [65001]
            communities: ["65000:1", no-export]
            large-communities: ["65000:1:2"]
          action: accept
          set: { local-pref: 200, med: 5, prepend: 2, add-communities: ["1:2"], remove-communities: ["1:3"], add-large-communities: ["1:2:3"], remove-large-communities: ["1:2:4"], next-hop-self: true }
      default: reject
  - name: v6
    address: "2001:db8::2"
    remote-as: 65010
    local-as: 65100
    route-server-client: true
    passive: true
    mrai: 30
`,
    'full.yaml',
  );
  assert.is(c.clusterId, '10.0.0.9');
  assert.equal(c.decision, { alwaysCompareMed: true, deterministicMed: true });
  assert.equal(c.routes, [
    { prefix: '10.1.0.0/16', nextHop: '10.0.0.2', igpCost: 20, kind: 'static' },
    { prefix: '10.2.0.0/16', kind: 'connected' },
  ]);
  assert.is(c.resolveAllNextHops, false, 'routes given → resolve-all-next-hops defaults to false');
  assert.equal(c.api, { listen: '[::1]:9000', writeToken: '0123456789abcdef', enableWrite: true });
  assert.equal(c.log, { level: 'debug', pretty: true });
  assert.is(c.replicas, 3);
  const [a, b] = c.peers;
  assert.equal(a, {
    name: 'ibgp',
    address: '10.0.0.2',
    port: 179,
    localAddress: '10.0.0.1',
    localPort: 1790,
    remoteAs: 65000,
    passive: false,
    holdTime: 0,
    connectRetryTime: 30,
    idleHoldTime: 1,
    families: ['ipv4-unicast'],
    addPathReceive: true,
    routeReflectorClient: true,
    routeServerClient: false,
    nextHopSelf: true,
    maxPrefixes: { limit: 1000, warningPercent: 75, restartAfter: 60 },
    mrai: 0,
    import: {
      default: 'reject',
      terms: [
        {
          name: 't1',
          action: 'accept',
          match: {
            prefixes: [{ prefix: '10.0.0.0/8', ge: 16, le: 24 }],
            asPathRegex: '^65001 ',
            asPathContains: [65001],
            communities: ['65000:1', 'no-export'],
            largeCommunities: ['65000:1:2'],
          },
          set: {
            localPref: 200,
            med: 5,
            prepend: 2,
            addCommunities: ['1:2'],
            removeCommunities: ['1:3'],
            addLargeCommunities: ['1:2:3'],
            removeLargeCommunities: ['1:2:4'],
            nextHopSelf: true,
          },
        },
      ],
    },
    export: { terms: [], default: 'accept' },
  });
  assert.equal(b!.families, ['ipv4-unicast', 'ipv6-unicast'], 'an IPv6 peer defaults to its family plus ipv4-unicast');
  assert.is(b!.localAs, 65100);
  assert.is(b!.mrai, 30);
  assert.is(b!.passive, true);
  assert.is(b!.routeServerClient, true);
  assert.equal(b!.import, { terms: [], default: 'accept' });
});

load('eBGP and iBGP peers both default to mrai 0 (documented choice)', () => {
  const c = parseConfig(`${MINIMAL}peers:\n  - { name: e, address: 10.0.0.2, remote-as: 1 }\n  - { name: i, address: 10.0.0.3, remote-as: 65000 }\n`, 'x.yaml');
  assert.equal(c.peers.map((p) => p.mrai), [0, 0]);
});

load('api: null disables the API', () => {
  assert.is(parseConfig(`${MINIMAL}api: null\n`, 'x.yaml').api, null);
});

load('command-line overrides replace file values and are validated, naming the option', () => {
  const c = parseConfig(MINIMAL, 'x.yaml', { routerId: '10.9.9.9', asn: '4200000000', logLevel: 'warn', listen: ['127.0.0.5:1790', '[::1]:1791'] });
  assert.is(c.routerId, '10.9.9.9');
  assert.is(c.asn, 4200000000);
  assert.is(c.log.level, 'warn');
  assert.equal(c.listen, [{ address: '127.0.0.5', port: 1790 }, { address: '::1', port: 1791 }]);
  try {
    parseConfig(MINIMAL, 'x.yaml', { asn: 'x', listen: ['nope'] });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, ConfigError);
    const msg = (e as ConfigError).message;
    assert.match(msg, /x\.yaml \(command line --asn\): asn: expected an AS number/);
    assert.match(msg, /x\.yaml \(command line --listen\): listen\[0\]: expected ADDRESS:PORT/);
  }
});

load('loadConfigFile: an unreadable file is a ConfigError naming it', async () => {
  try {
    await loadConfigFile('/nonexistent/btrd.yaml');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.match((e as ConfigError).message, /\/nonexistent\/btrd\.yaml.*cannot read the file/);
  }
});

load('did-you-mean: close typos and camelCase/snake_case spellings', () => {
  const keys = ['router-id', 'asn', 'hold-time', 'remote-as'];
  assert.is(suggestKey('routerid', keys), 'router-id');
  assert.is(suggestKey('holdTime', keys), 'hold-time');
  assert.is(suggestKey('remote_as', keys), 'remote-as');
  assert.is(suggestKey('hodl-time', keys), 'hold-time');
  assert.is(suggestKey('completely-different', keys), undefined);
});

load('PolicyError paths from lib/policy map back to YAML spelling', () => {
  assert.equal(parsePolicyPath('terms[2].match.asPathRegex'), ['terms', 2, 'match', 'as-path-regex']);
  assert.equal(parsePolicyPath('default'), ['default']);
});

load('RawConfigSchema and the embedded name are exported for tools', () => {
  assert.ok(RawConfigSchema.safeParse(parseYaml(DEFAULT_CONFIG_YAML)).success);
  assert.match(EMBEDDED_CONFIG_NAME, /embedded/);
});

load.run();
