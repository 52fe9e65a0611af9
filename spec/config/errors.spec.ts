/** Table-driven bad configurations: each must fail with a ConfigError naming the file and the field path. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../lib/config/errors.js';
import { parseConfig } from '../../lib/config/load.js';

const errors = suite('config/errors');

const HEAD = 'router-id: 10.0.0.1\nasn: 65000\n';
const peer = (extra: string, name = 'p1', address = '10.0.0.2'): string => `  - name: ${name}\n    address: ${address}\n    remote-as: 65001\n${extra}`;

interface Case {
  rule: string;
  yaml: string;
  path: string;
  /** Expected text in the problem's message. */
  expect: RegExp;
  line?: number;
}

const CASES: Case[] = [
  { rule: 'router id must be a dotted quad', yaml: 'router-id: fe80::1\nasn: 1\n', path: 'router-id', expect: /dotted-quad/, line: 1 },
  { rule: 'router id must be non-zero (RFC 6286)', yaml: 'router-id: 0.0.0.0\nasn: 1\n', path: 'router-id', expect: /non-zero/ },
  { rule: 'ASN 0 is invalid', yaml: 'router-id: 1.1.1.1\nasn: 0\n', path: 'asn', expect: /AS number 1\.\.4294967295, got 0/, line: 2 },
  { rule: 'ASN above 2^32-1 is invalid', yaml: 'router-id: 1.1.1.1\nasn: 4294967296\n', path: 'asn', expect: /AS number/ },
  { rule: 'ASN must be a number', yaml: 'router-id: 1.1.1.1\nasn: "65000"\n', path: 'asn', expect: /got the string "65000"/ },
  { rule: 'cluster id must be a router id', yaml: `${HEAD}cluster-id: 300.1.1.1\n`, path: 'cluster-id', expect: /dotted-quad/ },
  { rule: 'unknown top-level key, with did-you-mean', yaml: `${HEAD}route-id: 1.2.3.4\n`, path: 'route-id', expect: /unknown key \(did you mean "router-id"\?\)/, line: 3 },
  { rule: 'unknown key far from any, lists the known keys', yaml: `${HEAD}decision:\n  zzzzzzzz: 1\n`, path: 'decision.zzzzzzzz', expect: /expected one of: always-compare-med, deterministic-med/, line: 4 },
  { rule: 'listen address must be an IP literal', yaml: `${HEAD}listen:\n  - address: localhost\n`, path: 'listen[0].address', expect: /IPv4 or IPv6 address literal/ },
  { rule: 'listen port range', yaml: `${HEAD}listen:\n  - { address: 127.0.0.1, port: 70000 }\n`, path: 'listen[0].port', expect: /TCP port 1\.\.65535/ },
  { rule: 'duplicate listen entries', yaml: `${HEAD}listen:\n  - { address: 127.0.0.1, port: 1 }\n  - { address: 127.0.0.1, port: 1 }\n`, path: 'listen[1]', expect: /duplicate of listen\[0\]/ },
  { rule: 'peers must be a list', yaml: `${HEAD}peers: {}\n`, path: 'peers', expect: /expected a list, got a mapping/ },
  { rule: 'hold time 1..2 is invalid (RFC 4271 §4.2)', yaml: `${HEAD}peers:\n${peer('    hold-time: 2\n')}`, path: 'peers[0].hold-time', expect: /0 or an integer 3\.\.65535.*RFC 4271 §4\.2.*got 2/, line: 7 },
  { rule: 'hold time must be an integer', yaml: `${HEAD}peers:\n${peer('    hold-time: 4.5\n')}`, path: 'peers[0].hold-time', expect: /got 4\.5/ },
  { rule: 'hold time is reported on the second peer with its index', yaml: `${HEAD}peers:\n${peer('')}${peer('    hold-time: 1\n', 'p2', '10.0.0.3')}`, path: 'peers[1].hold-time', expect: /RFC 4271 §4\.2/, line: 10 },
  { rule: 'remote-as is required', yaml: `${HEAD}peers:\n  - { name: p, address: 10.0.0.2 }\n`, path: 'peers[0].remote-as', expect: /the key is missing/ },
  { rule: 'peer address must be an IP literal', yaml: `${HEAD}peers:\n${peer('', 'p1', 'bgp.example')}`, path: 'peers[0].address', expect: /address literal/ },
  { rule: 'bad IPv6 literal', yaml: `${HEAD}peers:\n${peer('', 'p1', '"2001:db8:::1"')}`, path: 'peers[0].address', expect: /address literal/ },
  { rule: 'peer name syntax', yaml: `${HEAD}peers:\n${peer('', 'has space')}`, path: 'peers[0].name', expect: /letters, digits/ },
  { rule: 'peer key typo in camelCase gets did-you-mean', yaml: `${HEAD}peers:\n${peer('    holdTime: 30\n')}`, path: 'peers[0].holdTime', expect: /did you mean "hold-time"/ },
  { rule: 'families must be known', yaml: `${HEAD}peers:\n${peer('    families: [ipv4-multicast]\n')}`, path: 'peers[0].families[0]', expect: /one of ipv4-unicast, ipv6-unicast/ },
  { rule: 'families must not be empty', yaml: `${HEAD}peers:\n${peer('    families: []\n')}`, path: 'peers[0].families', expect: /at least one/ },
  { rule: 'boolean options are booleans', yaml: `${HEAD}peers:\n${peer('    passive: "yes"\n')}`, path: 'peers[0].passive', expect: /true or false/ },
  { rule: 'max-prefixes warning-percent range', yaml: `${HEAD}peers:\n${peer('    max-prefixes: { limit: 10, warning-percent: 150 }\n')}`, path: 'peers[0].max-prefixes.warning-percent', expect: /percentage 1\.\.100/ },
  { rule: 'max-prefixes limit required', yaml: `${HEAD}peers:\n${peer('    max-prefixes: { restart-after: 10 }\n')}`, path: 'peers[0].max-prefixes.limit', expect: /missing/ },
  { rule: 'duplicate peer names', yaml: `${HEAD}peers:\n${peer('')}${peer('', 'p1', '10.0.0.3')}`, path: 'peers[1].name', expect: /unique peer name.*peers\[0\]\.name/ },
  { rule: 'duplicate peer addresses (canonical IPv6 form)', yaml: `${HEAD}peers:\n${peer('', 'a', '"2001:db8::1"')}${peer('', 'b', '"2001:db8:0::1"')}`, path: 'peers[1].address', expect: /unique peer address/ },
  { rule: 'local-address family must match the peer address', yaml: `${HEAD}peers:\n${peer('    local-address: "::1"\n')}`, path: 'peers[0].local-address', expect: /IPv4 address/ },
  { rule: 'route-reflector-client only on iBGP (RFC 4456)', yaml: `${HEAD}peers:\n${peer('    route-reflector-client: true\n')}`, path: 'peers[0].route-reflector-client', expect: /iBGP/ },
  { rule: 'route-server-client only on eBGP (RFC 7947)', yaml: `${HEAD}peers:\n  - { name: i, address: 10.0.0.2, remote-as: 65000, route-server-client: true }\n`, path: 'peers[0].route-server-client', expect: /eBGP/ },
  { rule: 'policy prefix must parse (parsePrefix)', yaml: `${HEAD}peers:\n${peer('    import:\n      terms:\n        - { action: reject, match: { prefixes: [{ prefix: 10.0.0.0/33 }] } }\n')}`, path: 'peers[0].import.terms[0].match.prefixes[0].prefix', expect: /IPv4 prefix length > 32/ },
  { rule: 'policy ge below the prefix length', yaml: `${HEAD}peers:\n${peer('    import:\n      terms:\n        - { action: reject, match: { prefixes: [{ prefix: 10.0.0.0/16, ge: 8 }] } }\n')}`, path: 'peers[0].import.terms[0].match.prefixes[0].ge', expect: /expected 16\.\.32/ },
  { rule: 'policy le below ge', yaml: `${HEAD}peers:\n${peer('    export:\n      terms:\n        - { action: accept, match: { prefixes: [{ prefix: 10.0.0.0/8, ge: 24, le: 20 }] } }\n')}`, path: 'peers[0].export.terms[0].match.prefixes[0].le', expect: /le ≥ ge/ },
  { rule: 'policy regex must compile', yaml: `${HEAD}peers:\n${peer('    import:\n      terms:\n        - { action: reject, match: { as-path-regex: "(65000" } }\n')}`, path: 'peers[0].import.terms[0].match.as-path-regex', expect: /compiles/ },
  { rule: 'community syntax (RFC 1997 16-bit halves)', yaml: `${HEAD}peers:\n${peer('    import:\n      terms:\n        - { action: accept, set: { add-communities: ["65536:1"] } }\n')}`, path: 'peers[0].import.terms[0].set.add-communities[0]', expect: /ASN:VALUE/ },
  { rule: 'large community syntax (RFC 8092)', yaml: `${HEAD}peers:\n${peer('    import:\n      terms:\n        - { action: accept, match: { large-communities: ["1:2"] } }\n')}`, path: 'peers[0].import.terms[0].match.large-communities[0]', expect: /GLOBAL:DATA1:DATA2/ },
  { rule: 'policy action required', yaml: `${HEAD}peers:\n${peer('    import:\n      terms:\n        - { name: x }\n')}`, path: 'peers[0].import.terms[0].action', expect: /one of accept, reject/ },
  { rule: 'policy default must be accept or reject', yaml: `${HEAD}peers:\n${peer('    import: { default: deny }\n')}`, path: 'peers[0].import.default', expect: /one of accept, reject/ },
  { rule: 'unknown policy action key', yaml: `${HEAD}peers:\n${peer('    import:\n      terms:\n        - { action: accept, set: { local-preference: 1 } }\n')}`, path: 'peers[0].import.terms[0].set.local-preference', expect: /did you mean "local-pref"/ },
  { rule: 'route prefix must parse', yaml: `${HEAD}routes:\n  - { prefix: 10.0.0.1 }\n`, path: 'routes[0].prefix', expect: /without length/ },
  { rule: 'connected route has no next hop', yaml: `${HEAD}routes:\n  - { prefix: 10.0.0.0/8, kind: connected, next-hop: 10.0.0.1 }\n`, path: 'routes[0].next-hop', expect: /connected route/ },
  { rule: 'route next hop family matches the prefix', yaml: `${HEAD}routes:\n  - { prefix: "2001:db8::/32", next-hop: 10.0.0.1 }\n`, path: 'routes[0].next-hop', expect: /same family/ },
  { rule: 'api listen syntax', yaml: `${HEAD}api: { listen: "localhost:80" }\n`, path: 'api.listen', expect: /ADDRESS:PORT/ },
  { rule: 'enable-write requires a write-token', yaml: `${HEAD}api: { enable-write: true }\n`, path: 'api.write-token', expect: /write-token/ },
  { rule: 'log level must be known', yaml: `${HEAD}log: { level: verbose }\n`, path: 'log.level', expect: /trace, debug, info, warn, error/ },
  { rule: 'replicas at least 1', yaml: `${HEAD}replicas: 0\n`, path: 'replicas', expect: /1\.\.64/ },
  { rule: 'non-deterministic MED is refused (order-dependent; replicas must agree)', yaml: `${HEAD}decision: { deterministic-med: false }\n`, path: 'decision.deterministic-med', expect: /only true is supported/ },
  { rule: 'the top level must be a mapping', yaml: '- a\n- b\n', path: '', expect: /expected a mapping of configuration keys, got a list/ },
  { rule: 'YAML syntax errors carry a position', yaml: 'router-id: [1.2.3.4\nasn: 1\n', path: '', expect: /YAML syntax/ },
  { rule: 'duplicate YAML keys are errors', yaml: `${HEAD}asn: 2\n`, path: '', expect: /YAML syntax.*unique/i },
];

for (const c of CASES) {
  errors(`${c.rule} → ${c.path || '(top level)'}`, () => {
    let err: unknown;
    try {
      parseConfig(c.yaml, 'bad.yaml');
    } catch (e) {
      err = e;
    }
    assert.instance(err, ConfigError, 'expected a ConfigError');
    const ce = err as ConfigError;
    assert.is(ce.code, 'BTRD_ERR_CONFIG');
    assert.is(ce.file, 'bad.yaml');
    const p = ce.problems.find((x) => x.path === c.path && c.expect.test(x.message));
    assert.ok(p, `no problem at ${c.path} matching ${c.expect}; got:\n${ce.message}`);
    if (c.line !== undefined) assert.is(p.line, c.line, `line of ${c.path}`);
    // The message names the file and the path together on one line.
    const line = ce.message.split('\n').find((l) => l.includes(p.message));
    assert.ok(line?.includes('bad.yaml'), 'the problem line names the file');
    if (c.path) assert.ok(line?.includes(`: ${c.path}: `), 'the problem line names the field path');
  });
}

errors('several problems are reported together, in file order', () => {
  try {
    parseConfig('router-id: 0.0.0.0\nasn: 0\npeers:\n  - { name: a, address: x, remote-as: 1, hold-time: 1 }\n', 'multi.yaml');
    assert.unreachable();
  } catch (e) {
    const ce = e as ConfigError;
    assert.equal(ce.problems.map((p) => p.path), ['router-id', 'asn', 'peers[0].address', 'peers[0].hold-time']);
    assert.match(ce.message, /^invalid configuration in multi\.yaml \(4 problems\):/);
    assert.is(ce.path, 'router-id');
  }
});

errors.run();
