/**
 * The configuration schema (zod), in the YAML spelling (kebab-case keys), and its mapping to the typed
 * BtrdConfig (camelCase). Three layers:
 *   1. `RawConfigSchema`: shapes, types, ranges and value syntax (IP literals, prefixes, ASNs, communities,
 *      regexes); every object is strict, so unknown keys are problems too.
 *   2. `checkConfig`: rules that relate several fields (unique peer names/addresses, ge/le against the prefix
 *      length, iBGP/eBGP-only options, ...). Runs only on a value that passed layer 1.
 *   3. `toBtrdConfig`: key renaming and context-dependent defaults (families, mrai, resolve-all-next-hops).
 * lib/config/load.ts turns the problems into a ConfigError that names the file and the field path.
 */
import { z } from 'zod';
import type { AddressFamily, BtrdConfig, LimitsConfig, PeerConfig, Policy, PolicyActions, PolicyMatch, PolicyTerm, ReplicaFaultConfig, ReplicaKnobsConfig } from './types.js';
import {
  MAX_ASN,
  canonicalIp,
  ipFamily,
  isCommunity,
  isLargeCommunity,
  isRouterId,
  parseHostPort,
  prefixProblem,
  regexProblem,
} from './validators.js';

/** A short description of a YAML value for messages ("got ..."). */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing (the key is missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  return JSON.stringify(v);
}

type ErrorFn = (iss: { input?: unknown; code?: string }) => string | undefined;
const expected = (what: string): ErrorFn => (iss) => `expected ${what}, got ${describeValue(iss.input)}`;
/** For containers: only replace the type message, keep others (e.g. unrecognized keys) for the formatter. */
const expectedType = (what: string): ErrorFn => (iss) =>
  iss.code === 'invalid_type' ? `expected ${what}, got ${describeValue(iss.input)}` : undefined;

const intIn = (lo: number, hi: number, what = `an integer ${lo}..${hi}`) =>
  z.number({ error: expected(what) }).refine((v) => Number.isInteger(v) && v >= lo && v <= hi, { error: expected(what) });

const str = (what: string, ok: (s: string) => boolean) =>
  z.string({ error: expected(what) }).refine(ok, { error: expected(what) });

const bool = () => z.boolean({ error: expected('true or false') });
const mapping = <T extends z.core.$ZodLooseShape>(shape: T, what = 'a mapping') => z.strictObject(shape, { error: expectedType(what) });
const list = <T extends z.ZodType>(item: T, what = 'a list') => z.array(item, { error: expectedType(what) });
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: expected(`one of ${values.join(', ')}`) });

const asn = intIn(1, MAX_ASN, `an AS number 1..${MAX_ASN}`);
const port = intIn(1, 65535, 'a TCP port 1..65535');
const u32 = intIn(0, MAX_ASN, `an integer 0..${MAX_ASN}`);
const ip = str('an IPv4 or IPv6 address literal', (s) => ipFamily(s) !== undefined);
const routerId = str('a non-zero dotted-quad IPv4 address (RFC 6286)', isRouterId);
const prefix = z.string({ error: expected('a prefix like 192.0.2.0/24 or 2001:db8::/32') }).superRefine((s, ctx) => {
  const p = prefixProblem(s);
  if (p) ctx.addIssue({ code: 'custom', message: `expected a prefix like 192.0.2.0/24 or 2001:db8::/32 (${p})` });
});
const community = str('a community ASN:VALUE (each 0..65535) or a well-known name like no-export', isCommunity);
const largeCommunity = str('a large community GLOBAL:DATA1:DATA2 (each 0..4294967295)', isLargeCommunity);
const regex = z.string({ error: expected('a regular expression') }).superRefine((s, ctx) => {
  const p = regexProblem(s);
  if (p) ctx.addIssue({ code: 'custom', message: `expected a regular expression that compiles (${p})` });
});
/** RFC 4271 §4.2: "Hold Time MUST be either zero or at least three seconds". */
const holdTime = intIn(0, 65535, '0 or an integer 3..65535 seconds (RFC 4271 §4.2)').refine((v) => v === 0 || v >= 3, {
  error: expected('0 or an integer 3..65535 seconds (RFC 4271 §4.2)'),
});
const hostPort = str('ADDRESS:PORT, e.g. 127.0.0.1:8179 or [::1]:8179', (s) => parseHostPort(s) !== undefined);
const peerName = str('a name of letters, digits, ".", "_" or "-" (1..64 characters)', (s) => /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(s));

const PrefixMatchSchema = mapping({ prefix, ge: intIn(0, 128).optional(), le: intIn(0, 128).optional() });

const PolicyMatchSchema = mapping({
  prefixes: list(PrefixMatchSchema).optional(),
  'as-path-regex': regex.optional(),
  'as-path-contains': list(asn).optional(),
  communities: list(community).optional(),
  'large-communities': list(largeCommunity).optional(),
});

const PolicyActionsSchema = mapping({
  'local-pref': u32.optional(),
  med: u32.optional(),
  prepend: intIn(1, 32).optional(),
  'add-communities': list(community).optional(),
  'remove-communities': list(community).optional(),
  'add-large-communities': list(largeCommunity).optional(),
  'remove-large-communities': list(largeCommunity).optional(),
  'next-hop-self': bool().optional(),
});

const PolicyTermSchema = mapping({
  name: z.string({ error: expected('a string') }).optional(),
  match: PolicyMatchSchema.optional(),
  action: oneOf(['accept', 'reject'] as const),
  set: PolicyActionsSchema.optional(),
});

const PolicySchema = mapping({
  terms: list(PolicyTermSchema).default([]),
  default: oneOf(['accept', 'reject'] as const).default('accept'),
});

const FAMILIES = ['ipv4-unicast', 'ipv6-unicast'] as const;

/** Global and per-peer resource limits (lib/policy/limits.ts; input bound in lib/speaker.ts). */
const LimitsSchema = mapping({
  'max-as-path-length': intIn(1, 10000, 'an integer 1..10000 (ASNs)').optional(),
  'max-attribute-bytes': intIn(64, 65535, 'an integer 64..65535 (octets)').optional(),
  'max-queued-input-bytes': intIn(65536, 1 << 30, 'an integer 65536..1073741824 (octets)').optional(),
});

/**
 * Keys other BGP daemons accept that btrd cannot honour from Node.js (README.md § Security): parsed as
 * anything so that checkConfig can refuse them with the reason, instead of "unknown key".
 */
const UNSUPPORTED_PEER_KEYS = {
  password: 'TCP-MD5 (RFC 2385) and TCP-AO (RFC 5925) need the TCP_MD5SIG / TCP_AO_ADD_KEY socket options, which Node.js cannot set (no setsockopt for structure options without a native addon); see README.md § Security for the workaround',
  'ttl-security': 'GTSM (RFC 5082) needs the IP_MINTTL / IP_TTL socket options, which Node.js net sockets do not expose; see README.md § Security for the nftables/iptables rules that enforce it instead',
} as const;

const PeerSchema = mapping({
  name: peerName,
  address: ip,
  port: port.default(179),
  'local-address': ip.optional(),
  'local-port': port.optional(),
  'remote-as': asn,
  'local-as': asn.optional(),
  passive: bool().default(false),
  'hold-time': holdTime.default(90),
  'connect-retry-time': intIn(1, 65535, 'an integer 1..65535 seconds').default(120),
  // At least 1 s: the IdleHoldTimer is what restarts a session after an error (RFC 4271 §8.1.1, §8.2.2).
  'idle-hold-time': intIn(1, 3600, 'an integer 1..3600 seconds').default(5),
  families: list(oneOf(FAMILIES)).min(1, { error: 'expected at least one address family' }).optional(),
  'add-path-receive': bool().default(false),
  'route-reflector-client': bool().default(false),
  'route-server-client': bool().default(false),
  'next-hop-self': bool().default(false),
  // The address announced as next hop when btrd sets next-hop-self on this session (BIRD's "next hop
  // address"): needed for IPv6 routes over an IPv4 session and when the session address is not one the
  // peer accepts as a next hop (GoBGP and FRR drop 127.0.0.0/8 next hops). Default: the session's local address.
  'next-hop-address': mapping({ ipv4: str('an IPv4 address', (x) => ipFamily(x) === 4).optional(), ipv6: str('an IPv6 address', (x) => ipFamily(x) === 6).optional() }).optional(),
  'max-prefixes': mapping({
    limit: intIn(1, MAX_ASN, `an integer 1..${MAX_ASN}`),
    'warning-percent': intIn(1, 100, 'a percentage 1..100').default(75),
    'restart-after': intIn(1, 86400, 'an integer 1..86400 seconds').optional(),
  }).optional(),
  mrai: intIn(0, 3600, 'an integer 0..3600 seconds').optional(),
  import: PolicySchema.optional(),
  export: PolicySchema.optional(),
  limits: LimitsSchema.optional(),
  password: z.unknown().optional(),
  'ttl-security': z.unknown().optional(),
});

const RouteSchema = mapping({
  prefix,
  'next-hop': ip.optional(),
  'igp-cost': u32.optional(),
  kind: oneOf(['connected', 'static'] as const).default('static'),
});

const ApiSchema = mapping(
  {
    listen: hostPort.default('127.0.0.1:8179'),
    'write-token': z.string({ error: expected('a string') }).min(16, { error: 'expected a token of at least 16 characters' }).optional(),
    'enable-write': bool().default(false),
  },
  'a mapping, or null to disable the API',
);

export const RawConfigSchema = mapping(
  {
    'router-id': routerId,
    asn,
    'cluster-id': routerId.optional(),
    listen: list(mapping({ address: ip, port: port.default(179) })).default([{ address: '127.0.0.1', port: 179 }]),
    decision: mapping({
      'always-compare-med': bool().default(false),
      'deterministic-med': bool().default(true),
    }).default({ 'always-compare-med': false, 'deterministic-med': true }),
    routes: list(RouteSchema).default([]),
    'resolve-all-next-hops': bool().optional(),
    peers: list(PeerSchema).default([]),
    limits: LimitsSchema.optional(),
    api: ApiSchema.nullable().default({ listen: '127.0.0.1:8179', 'enable-write': false }),
    log: mapping({
      level: oneOf(['trace', 'debug', 'info', 'warn', 'error'] as const).default('info'),
      pretty: bool().default(false),
    }).default({ level: 'info', pretty: false }),
    replicas: intIn(1, 64).default(1),
    replication: mapping({
      mode: oneOf(['master', 'k-of-n', 'continuous-majority', 'consensus'] as const).default('continuous-majority'),
      k: intIn(1, 64).optional(),
      'round-deadline-ms': intIn(10, 600000, 'an integer 10..600000 milliseconds').default(10000),
      'max-round-updates': intIn(1, 1000000).default(2000),
      spares: intIn(0, 16, 'an integer 0..16 (warm spare replicas)').default(0),
      knobs: list(
        mapping({
          impl: oneOf(['a', 'b'] as const).optional(),
          'order-seed': u32.optional(),
          'tiebreak-seed': u32.optional(),
          'delay-ms': intIn(0, 60000).optional(),
          'jitter-ms': intIn(0, 60000).optional(),
          prefixes: list(prefix).min(1, { error: 'expected at least one prefix (omit the key to cover everything)' }).optional(),
          'reverse-scan': bool().optional(),
          'pad-every-updates': intIn(0, 1000000).optional(),
          'pad-bytes': intIn(0, 1 << 24).optional(),
          'max-old-generation-mb': intIn(16, 65536).optional(),
          // TEST ONLY fault injection (lib/replica/faults.ts): deliberate bugs to prove the controller.
          fault: mapping({
            'crash-as-path-longer-than': intIn(0, 65535).optional(),
            'crash-on-attribute-type': intIn(0, 255, 'a path attribute type code 0..255').optional(),
            'wrong-best-in-range': prefix.optional(),
            'wrong-best-prefers': oneOf(['longest-as-path', 'other'] as const).optional(),
            'hang-on-prefix': prefix.optional(),
            'hang-ms': intIn(0, 3600000).optional(),
            'leak-bytes-per-update': intIn(0, 1 << 26).optional(),
            'flip-next-hop-bit': mapping({ range: prefix.optional(), bit: intIn(0, 127).optional() }).optional(),
            'crash-after-rounds': intIn(1, 1 << 30).optional(),
            'only-impl': oneOf(['a', 'b'] as const).optional(),
          }).optional(),
        }),
      ).default([]),
      controller: mapping({
        restart: bool().default(true),
        'restart-backoff-ms': intIn(0, 600000, 'an integer 0..600000 milliseconds').default(200),
        'max-restarts': intIn(0, 1000).default(5),
        'heap-limit-mb': intIn(16, 65536, 'an integer 16..65536 MB').optional(),
        'wrong-threshold': mapping({ m: intIn(1, 1000).default(3), w: intIn(1, 1000).default(10) }).default({ m: 3, w: 10 }),
      }).optional(),
    }).optional(),
    fib: mapping({
      // One name or a list; memory is always kept (lookups, API, audit, dumps).
      backend: z.preprocess((v) => (typeof v === 'string' ? [v] : v), list(oneOf(['memory', 'kernel', 'mrt'] as const), 'one of memory, kernel, mrt, or a list of them').min(1, { error: 'expected at least one backend' })).default(['memory']),
      kernel: mapping({
        table: intIn(1, 4294967295, 'a routing table id 1..4294967295').default(254),
        // 0-4 are the kernel's own (unspec, redirect, kernel, boot, static).
        protocol: intIn(5, 255, 'a route protocol number 5..255').default(186),
        'on-shutdown': oneOf(['keep', 'remove'] as const).default('remove'),
        'startup-hold-ms': intIn(0, 3600000, 'an integer 0..3600000 milliseconds').default(0),
        netns: str('a network namespace name', (s) => /^[A-Za-z0-9_.-]{1,64}$/.test(s)).optional(),
      }).optional(),
      mrt: mapping({
        path: z.string({ error: expected('a file path') }).min(1, { error: 'expected a file path' }),
        'interval-ms': intIn(1000, 86400000, 'an integer 1000..86400000 milliseconds').default(300000),
      }).optional(),
      audit: mapping({
        'interval-ms': intIn(100, 86400000, 'an integer 100..86400000 milliseconds').default(60000),
        'idle-ms': intIn(10, 3600000, 'an integer 10..3600000 milliseconds').default(2000),
      }).optional(),
    }).nullable().optional(), // null: no FIB
  },
  'a mapping of configuration keys',
);

export type RawConfig = z.output<typeof RawConfigSchema>;
type RawPeer = RawConfig['peers'][number];
type RawPolicy = NonNullable<RawPeer['import']>;

/** A problem found by `checkConfig`, with its path in YAML spelling. */
export interface RawProblem {
  path: (string | number)[];
  message: string;
}

const isIbgp = (p: RawPeer, cfg: RawConfig): boolean => p['remote-as'] === (p['local-as'] ?? cfg.asn);

/** Rules relating several fields. Returns every problem found. */
export function checkConfig(cfg: RawConfig): RawProblem[] {
  const out: RawProblem[] = [];
  const seenListen = new Map<string, number>();
  cfg.listen.forEach((l, i) => {
    const key = `${canonicalIp(l.address)}|${l.port}`;
    const j = seenListen.get(key);
    if (j !== undefined) out.push({ path: ['listen', i], message: `duplicate of listen[${j}] (${l.address} port ${l.port})` });
    else seenListen.set(key, i);
  });

  const names = new Map<string, number>();
  const addrs = new Map<string, number>();
  cfg.peers.forEach((p, i) => {
    const n = names.get(p.name);
    if (n !== undefined) out.push({ path: ['peers', i, 'name'], message: `expected a unique peer name, "${p.name}" is also peers[${n}].name` });
    else names.set(p.name, i);
    const a = canonicalIp(p.address);
    const m = addrs.get(a);
    if (m !== undefined) out.push({ path: ['peers', i, 'address'], message: `expected a unique peer address, ${p.address} is also peers[${m}].address` });
    else addrs.set(a, i);
    const la = p['local-address'];
    if (la !== undefined && ipFamily(la) !== ipFamily(p.address)) {
      out.push({ path: ['peers', i, 'local-address'], message: `expected an IPv${ipFamily(p.address)} address like the peer address ${p.address}, got ${la}` });
    }
    for (const [key, why] of Object.entries(UNSUPPORTED_PEER_KEYS)) {
      if (p[key as keyof typeof UNSUPPORTED_PEER_KEYS] !== undefined) out.push({ path: ['peers', i, key], message: `not supported: ${why}` });
    }
    if (p['route-reflector-client'] && !isIbgp(p, cfg)) {
      out.push({ path: ['peers', i, 'route-reflector-client'], message: 'route reflection applies to iBGP peers only (RFC 4456); this peer is eBGP (remote-as differs from the local AS)' });
    }
    if (p['route-server-client'] && isIbgp(p, cfg)) {
      out.push({ path: ['peers', i, 'route-server-client'], message: 'route-server clients are eBGP peers (RFC 7947); this peer is iBGP (remote-as equals the local AS)' });
    }
    for (const dir of ['import', 'export'] as const) {
      const pol = p[dir];
      if (pol) out.push(...checkPolicy(pol, ['peers', i, dir]));
    }
  });

  cfg.routes.forEach((r, i) => {
    const nh = r['next-hop'];
    if (r.kind === 'connected' && nh !== undefined) out.push({ path: ['routes', i, 'next-hop'], message: 'a connected route has no next hop (remove next-hop or use kind: static)' });
    if (nh !== undefined && ipFamily(nh) !== (r.prefix.includes(':') ? 6 : 4)) {
      out.push({ path: ['routes', i, 'next-hop'], message: `expected a next hop of the same family as ${r.prefix}, got ${nh}` });
    }
  });

  if (cfg.fib?.backend.includes('mrt') && cfg.fib.mrt === undefined) {
    out.push({ path: ['fib', 'mrt', 'path'], message: 'expected fib.mrt.path (where the MRT dumps go) when fib.backend lists mrt' });
  }
  if (cfg.api && cfg.api['enable-write'] && cfg.api['write-token'] === undefined) {
    out.push({ path: ['api', 'write-token'], message: 'expected a write-token (at least 16 characters) when enable-write is true' });
  }
  const spares = cfg.replication?.spares ?? 0;
  if (cfg.replication && cfg.replication.knobs.length > cfg.replicas + spares) {
    out.push({ path: ['replication', 'knobs'], message: `${cfg.replication.knobs.length} knob sets for ${cfg.replicas} replicas${spares > 0 ? ` and ${spares} spares` : ''} (at most one per replica${spares > 0 ? ', then one per spare' : ''})` });
  }
  if (spares > 0 && cfg.replicas < 2) {
    out.push({ path: ['replication', 'spares'], message: `spares = ${spares} needs replicas ≥ 2 (a spare takes a failed voting replica's place; replicas = ${cfg.replicas})` });
  }
  cfg.replication?.knobs.slice(cfg.replicas).forEach((k, j) => {
    if (k.prefixes !== undefined) out.push({ path: ['replication', 'knobs', cfg.replicas + j, 'prefixes'], message: `knob set ${cfg.replicas + j} is spare ${j}'s: a spare may replace any voting replica, so it covers every prefix (omit prefixes)` });
  });
  const wt = cfg.replication?.controller?.['wrong-threshold'];
  if (wt && wt.m > wt.w) out.push({ path: ['replication', 'controller', 'wrong-threshold', 'm'], message: `m = ${wt.m} is more than w = ${wt.w} (m minority rounds out of the last w)` });
  if (cfg.replication?.k !== undefined && (cfg.replication.mode !== 'k-of-n' || cfg.replication.k > cfg.replicas)) {
    out.push({ path: ['replication', 'k'], message: cfg.replication.mode !== 'k-of-n' ? 'k only applies to mode k-of-n' : `k = ${cfg.replication.k} is more than replicas = ${cfg.replicas}` });
  }
  if (!cfg.decision['deterministic-med']) {
    // Both decision implementations apply the MED step as RFC 4271 §9.1.2.2 (c) elimination over all
    // candidates, which never depends on arrival order (DESIGN principle 2: replicas permute arrival order
    // and must agree). The order-dependent comparison some routers offer is not implemented: refuse it
    // rather than accept a setting that would change nothing.
    out.push({
      path: ['decision', 'deterministic-med'],
      message: 'only true is supported: btrd always compares MED deterministically (RFC 4271 §9.1.2.2 (c)); an arrival-order-dependent MED would break replica agreement',
    });
  }
  return out;
}

function checkPolicy(pol: RawPolicy, at: (string | number)[]): RawProblem[] {
  const out: RawProblem[] = [];
  pol.terms.forEach((t, ti) => {
    t.match?.prefixes?.forEach((pm, pi) => {
      const max = pm.prefix.includes(':') ? 128 : 32;
      const len = Number(pm.prefix.slice(pm.prefix.indexOf('/') + 1));
      const path = [...at, 'terms', ti, 'match', 'prefixes', pi];
      const ge = pm.ge ?? len;
      const le = pm.le ?? (pm.ge !== undefined ? max : len);
      if (pm.ge !== undefined && (pm.ge < len || pm.ge > max)) out.push({ path: [...path, 'ge'], message: `expected ${len}..${max} (the prefix length up to the family maximum), got ${pm.ge}` });
      if (pm.le !== undefined && (pm.le < len || pm.le > max)) out.push({ path: [...path, 'le'], message: `expected ${len}..${max} (the prefix length up to the family maximum), got ${pm.le}` });
      else if (le < ge) out.push({ path: [...path, 'le'], message: `expected le ≥ ge (${ge}), got ${le}` });
    });
  });
  return out;
}

/** Families a peer negotiates when `families` is not given: its transport family, plus ipv4-unicast. */
export function defaultFamilies(address: string): AddressFamily[] {
  return ipFamily(address) === 6 ? ['ipv4-unicast', 'ipv6-unicast'] : ['ipv4-unicast'];
}

/**
 * Default MRAI (RFC 4271 §9.2.1.1), iBGP and eBGP alike: 0 seconds. The RFC suggests 30 s for eBGP, but
 * btrd already batches: exports leave at the end of a decision round, after the vote, so a round is the
 * rate limit. BIRD and GoBGP send at once as well, and draft-ietf-idr-mrai-dep argues 30 s mostly slows
 * convergence. Set `mrai` per peer to get the RFC's behaviour.
 */
export const DEFAULT_MRAI_SECONDS = { ibgp: 0, ebgp: 0 } as const;

const ACCEPT_ALL = (): Policy => ({ terms: [], default: 'accept' });

function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

function toPolicy(p: RawPolicy | undefined): Policy {
  if (!p) return ACCEPT_ALL();
  return {
    default: p.default,
    terms: p.terms.map((t): PolicyTerm => {
      const term: PolicyTerm = { action: t.action };
      if (t.name !== undefined) term.name = t.name;
      if (t.match) {
        const m = t.match;
        term.match = compact<PolicyMatch>({
          prefixes: m.prefixes?.map((x) => compact({ prefix: x.prefix, ge: x.ge, le: x.le })),
          asPathRegex: m['as-path-regex'],
          asPathContains: m['as-path-contains'],
          communities: m.communities,
          largeCommunities: m['large-communities'],
        });
      }
      if (t.set) {
        const s = t.set;
        term.set = compact<PolicyActions>({
          localPref: s['local-pref'],
          med: s.med,
          prepend: s.prepend,
          addCommunities: s['add-communities'],
          removeCommunities: s['remove-communities'],
          addLargeCommunities: s['add-large-communities'],
          removeLargeCommunities: s['remove-large-communities'],
          nextHopSelf: s['next-hop-self'],
        });
      }
      return term;
    }),
  };
}

type RawLimits = NonNullable<RawConfig['limits']>;

function toLimits(...layers: (RawLimits | undefined)[]): LimitsConfig | undefined {
  const l = Object.assign({}, ...layers.filter((x) => x !== undefined)) as RawLimits;
  const out = compact<LimitsConfig>({
    maxAsPathLength: l['max-as-path-length'],
    maxAttributeBytes: l['max-attribute-bytes'],
    maxQueuedInputBytes: l['max-queued-input-bytes'],
  });
  return Object.keys(out).length > 0 ? out : undefined;
}

function toPeer(p: RawPeer, cfg: RawConfig): PeerConfig {
  const mp = p['max-prefixes'];
  return compact<PeerConfig>({
    name: p.name,
    address: p.address,
    port: p.port,
    localAddress: p['local-address'],
    localPort: p['local-port'],
    remoteAs: p['remote-as'],
    localAs: p['local-as'],
    passive: p.passive,
    holdTime: p['hold-time'],
    connectRetryTime: p['connect-retry-time'],
    idleHoldTime: p['idle-hold-time'],
    families: p.families ? [...new Set(p.families)] : defaultFamilies(p.address),
    addPathReceive: p['add-path-receive'],
    routeReflectorClient: p['route-reflector-client'],
    routeServerClient: p['route-server-client'],
    nextHopSelf: p['next-hop-self'],
    nextHopAddress: p['next-hop-address'] && compact({ ipv4: p['next-hop-address'].ipv4, ipv6: p['next-hop-address'].ipv6 }),
    maxPrefixes: mp && compact({ limit: mp.limit, warningPercent: mp['warning-percent'], restartAfter: mp['restart-after'] }),
    mrai: p.mrai ?? (isIbgp(p, cfg) ? DEFAULT_MRAI_SECONDS.ibgp : DEFAULT_MRAI_SECONDS.ebgp),
    import: toPolicy(p.import),
    export: toPolicy(p.export),
    limits: toLimits(cfg.limits, p.limits),
  });
}

/** Map a checked raw (kebab-case) configuration to BtrdConfig, filling context-dependent defaults. */
export function toBtrdConfig(cfg: RawConfig): BtrdConfig {
  return compact<BtrdConfig>({
    routerId: cfg['router-id'],
    asn: cfg.asn,
    clusterId: cfg['cluster-id'],
    listen: cfg.listen.map((l) => ({ address: l.address, port: l.port })),
    decision: { alwaysCompareMed: cfg.decision['always-compare-med'], deterministicMed: cfg.decision['deterministic-med'] },
    routes: cfg.routes.map((r) => compact({ prefix: r.prefix, nextHop: r['next-hop'], igpCost: r['igp-cost'], kind: r.kind })),
    resolveAllNextHops: cfg['resolve-all-next-hops'] ?? cfg.routes.length === 0,
    peers: cfg.peers.map((p) => toPeer(p, cfg)),
    api: cfg.api && compact({ listen: cfg.api.listen, writeToken: cfg.api['write-token'], enableWrite: cfg.api['enable-write'] }),
    log: { level: cfg.log.level, pretty: cfg.log.pretty },
    limits: toLimits(cfg.limits),
    replicas: cfg.replicas,
    replication: toReplication(cfg),
    fib: toFib(cfg),
  });
}

function toFib(cfg: RawConfig): BtrdConfig['fib'] {
  const f = cfg.fib;
  if (f === null) return null;
  const k = f?.kernel;
  return compact({
    backends: [...new Set((f?.backend ?? ['memory']) as NonNullable<BtrdConfig['fib']>['backends'])],
    kernel: compact({ table: k?.table ?? 254, protocol: k?.protocol ?? 186, onShutdown: k?.['on-shutdown'] ?? 'remove', startupHoldMs: k?.['startup-hold-ms'] ?? 0, netns: k?.netns }),
    mrt: f?.mrt && { path: f.mrt.path, intervalMs: f.mrt['interval-ms'] },
    audit: { intervalMs: f?.audit?.['interval-ms'] ?? 60000, idleMs: f?.audit?.['idle-ms'] ?? 2000 },
  });
}

/**
 * Per-replica diversity (DESIGN principle 2). Replicas without explicit knobs get automatic diversity:
 * alternating implementations (a, b), distinct order and tie-break seeds, and a reversed scan on every
 * third replica — all of which keep replicas functionally equivalent.
 */
function toReplication(cfg: RawConfig): BtrdConfig['replication'] {
  const r = cfg.replication;
  // Spares' knobs follow the replicas' (index replicas + j): the same automatic diversity continued, so each
  // spare has its own order and tie-break seeds, unlike every voting replica it may replace.
  const knobs = Array.from({ length: cfg.replicas + (r?.spares ?? 0) }, (_, i) => {
    const k = r?.knobs[i];
    return compact<ReplicaKnobsConfig>({
      impl: k?.impl ?? (i % 2 === 0 ? 'a' : 'b'),
      orderSeed: k?.['order-seed'] ?? (cfg.replicas > 1 ? i + 1 : undefined),
      tiebreakSeed: k?.['tiebreak-seed'] ?? (cfg.replicas > 1 ? i + 1 : undefined),
      delayMs: k?.['delay-ms'],
      jitterMs: k?.['jitter-ms'],
      prefixes: k?.prefixes,
      reverseScan: k?.['reverse-scan'] ?? (cfg.replicas > 1 && i % 3 === 2 ? true : undefined),
      padEveryUpdates: k?.['pad-every-updates'],
      padBytes: k?.['pad-bytes'],
      maxOldGenerationMb: k?.['max-old-generation-mb'],
      fault: k?.fault ? toFault(k.fault) : undefined,
    });
  });
  return compact({
    mode: r?.mode ?? 'continuous-majority',
    k: r?.k,
    roundDeadlineMs: r?.['round-deadline-ms'] ?? 10000,
    maxRoundUpdates: r?.['max-round-updates'] ?? 2000,
    spares: r?.spares ?? 0,
    knobs,
    controller: compact({
      restart: r?.controller?.restart ?? true,
      restartBackoffMs: r?.controller?.['restart-backoff-ms'] ?? 200,
      maxRestarts: r?.controller?.['max-restarts'] ?? 5,
      heapLimitMb: r?.controller?.['heap-limit-mb'],
      wrongThreshold: r?.controller?.['wrong-threshold'] ?? { m: 3, w: 10 },
    }),
  });
}

type RawFault = NonNullable<NonNullable<NonNullable<RawConfig['replication']>['knobs'][number]>['fault']>;

function toFault(f: RawFault): ReplicaFaultConfig {
  return compact<ReplicaFaultConfig>({
    crashAsPathLongerThan: f['crash-as-path-longer-than'],
    crashOnAttributeType: f['crash-on-attribute-type'],
    wrongBestInRange: f['wrong-best-in-range'],
    wrongBestPrefers: f['wrong-best-prefers'],
    hangOnPrefix: f['hang-on-prefix'],
    hangMs: f['hang-ms'],
    leakBytesPerUpdate: f['leak-bytes-per-update'],
    flipNextHopBit: f['flip-next-hop-bit'] ? compact({ range: f['flip-next-hop-bit'].range, bit: f['flip-next-hop-bit'].bit }) : undefined,
    crashAfterRounds: f['crash-after-rounds'],
    onlyImpl: f['only-impl'],
  });
}

/** The keys an object schema accepts at `path` (for "did you mean"); [] when the path is not an object. */
export function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let s: z.core.$ZodType | undefined = RawConfigSchema;
  const unwrap = (t: z.core.$ZodType): z.core.$ZodType => {
    let cur = t;
    for (;;) {
      const def = cur._zod.def as { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType };
      if ((def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'prefault') && def.innerType) cur = def.innerType;
      else if (def.type === 'pipe' && def.in) cur = def.in;
      else return cur;
    }
  };
  for (const k of path) {
    if (!s) return [];
    const t = unwrap(s);
    const def = t._zod.def as { type: string; shape?: Record<string, z.core.$ZodType>; element?: z.core.$ZodType };
    if (typeof k === 'number') s = def.type === 'array' ? def.element : undefined;
    else s = def.type === 'object' && def.shape ? def.shape[String(k)] : undefined;
  }
  if (!s) return [];
  const def = unwrap(s)._zod.def as { type: string; shape?: Record<string, unknown> };
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}
