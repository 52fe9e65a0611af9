/**
 * The embedded default configuration, used when btrd starts without --config, and the annotated sample
 * (`btrd --print-default-config`). Every key is explained; README.md § Configuration has the full table.
 */
export const DEFAULT_CONFIG_YAML = `# btrd configuration (YAML). Keys are kebab-case; unknown keys are errors.
# This is the embedded default: a speaker on 127.0.0.1:1179 (no root needed) with one passive sample peer.
# Print it with \`btrd --print-default-config\`, edit it, check it with \`btrd --check --config FILE\`,
# and reload a running btrd with SIGHUP.

# BGP Identifier (RFC 4271 §4.2, RFC 6286): a non-zero dotted quad, unique in the AS. Required.
router-id: 192.0.2.1

# Local AS number, 1..4294967295 (4-octet ASNs per RFC 6793). Required.
asn: 65001

# Route reflector cluster id (RFC 4456 §7), a non-zero dotted quad. Optional; default: the router id.
# cluster-id: 192.0.2.1

# Addresses to accept BGP connections on. Default: [{ address: 127.0.0.1, port: 179 }].
# Port 179 needs root or CAP_NET_BIND_SERVICE; the sample uses 1179.
listen:
  - address: 127.0.0.1
    port: 1179

# Decision process options (RFC 4271 §9.1.2.2).
decision:
  # Compare MED between routes from different neighbour ASes (default false, as the RFC says).
  always-compare-med: false
  # Order-independent MED comparison. Only true is supported (the default): an arrival-order-dependent
  # MED would make replicas, which permute arrival order, disagree.
  deterministic-med: true

# Routes used only to resolve BGP next hops (reachability and IGP cost, RFC 4271 §9.1.2.1 and (e)).
# Each item: prefix, kind (connected | static, default static), next-hop (static only), igp-cost.
# Empty (the default) means every next hop is reachable with IGP cost 0. For example:
#   routes:
#     - { prefix: 192.0.2.0/24, kind: connected }
#     - { prefix: 10.0.0.0/8, kind: static, next-hop: 192.0.2.254, igp-cost: 10 }
routes: []
# resolve-all-next-hops: default true when routes is empty, false otherwise. true also treats next hops
# that no route covers as reachable with IGP cost 0.
# resolve-all-next-hops: true

# Number of decision-process replicas (worker threads) whose outputs are voted. Default 1 (a plain
# router: one decision process, no voting overhead).
replicas: 1
# How replicas vote and how they differ (used when replicas > 1). Optional.
replication:
  # master | k-of-n | continuous-majority | consensus. Default continuous-majority.
  mode: continuous-majority
  # k-of-n only: how many agreeing replicas decide a prefix.
  # k: 2
  # A replica that has not answered a round within this time is faulty (hang) and is stopped. Default 10000.
  round-deadline-ms: 10000
  # Most UPDATEs per round. Default 2000.
  max-round-updates: 2000
  # Warm spares: extra replicas that follow every round without voting (their digest checked against the
  # majority's); one takes a failed voting replica's seat at once, and the failed one, restarted and
  # re-synced, becomes a spare. Quorums count the voting replicas only. Needs replicas >= 2. Their knobs are
  # the entries after the replicas' in knobs (automatic diversity continues: own seeds). Default 0.
  spares: 0
  # Per-replica diversity knobs, one entry per replica, then one per spare (missing entries get automatic diversity:
  # alternating impl a/b, distinct order and tie-break seeds, reversed scan on every third replica).
  knobs:
    - impl: a                 # decision implementation: a (full rescan) or b (ordered candidates)
      order-seed: 1           # permute each round (per (peer, prefix) order kept)
      tiebreak-seed: 1        # candidate scan order (same answer)
      delay-ms: 0             # timing diversity: delay before each round
      jitter-ms: 0            # and random pauses inside it
      # prefixes: [0.0.0.0/1] # address blocks this replica covers (default: all)
      reverse-scan: false     # memory-layout diversity: insertion order
      pad-every-updates: 0    # memory-layout diversity: retained padding allocations
      pad-bytes: 0
      # max-old-generation-mb: 4096   # V8 heap limit of this replica's thread
      # TEST ONLY: deliberate bugs to prove the controller (lib/replica/faults.ts). Off when absent.
      # fault:
      #   crash-as-path-longer-than: 255      # crash while parsing an AS_PATH longer than this
      #   crash-on-attribute-type: 99         # crash while parsing an UPDATE with this attribute type code
      #   wrong-best-in-range: 10.0.0.0/8     # report a non-best path as best for prefixes in this block
      #   wrong-best-prefers: longest-as-path # ... the longest AS_PATH (or: other)
      #   hang-on-prefix: 192.0.2.0/24        # hang (busy loop) on an UPDATE carrying this prefix
      #   hang-ms: 600000                     # ... for this long
      #   leak-bytes-per-update: 4096         # retain this much heap per UPDATE
      #   flip-next-hop-bit: { range: 0.0.0.0/0, bit: 0 }   # corrupt the reported best's next hop
      #   crash-after-rounds: 100             # crash in the R-th round of each instance
      #   only-impl: a                        # the bug lives only in impl a (a restart rotates it away)
  # The controller: judges replicas (crash, hang = missed round deadline, leak, wrong), restarts them with
  # rotated diversity, re-syncs them from a healthy replica's Adj-RIB-In, quarantines poison UPDATEs.
  controller:
    restart: true              # restart faulty replicas (false: a faulty replica stays out)
    restart-backoff-ms: 200    # first restart delay, doubled per restart of the same replica (max 30 s)
    max-restarts: 5            # a replica failing after this many restarts is retired (degraded, reported)
    # heap-limit-mb: 2048      # leak: V8 used heap of a replica above this. Default: off
    wrong-threshold: { m: 3, w: 10 }   # wrong: in the minority in m of its last w voted rounds

# The FIB: voted best routes (prefix -> next hop + route digest), kept in memory (copy-on-write, for
# lookups, the API and the audit) and written to the listed backends. Optional. "fib: null" runs without a
# FIB (no lookups, kernel or MRT writes: a speaker that only exchanges routes, like the targets of
# bench/e2e and peer-bench, where no daemon installs routes).
fib:
  # memory | kernel | mrt, or a list ([kernel, mrt]). Default memory (memory only).
  backend: memory
  # kernel: write routes into a Linux routing table (through iproute2: ip -batch). Needs CAP_NET_ADMIN.
  kernel:
    # Routing table id. Default 254 (main).
    table: 254
    # Route protocol number marking btrd's routes (5..255). Default 186 (bgp). At start-up, routes of this
    # protocol in the table that btrd does not have are removed (reconciliation).
    protocol: 186
    # On stop: keep the routes (the next start reconciles them) or remove them. Default remove.
    on-shutdown: remove
    # Keep a previous run's routes this long after start before reconciling, so that a restart does not
    # interrupt forwarding while sessions come back. Default 0 (reconcile at once).
    startup-hold-ms: 0
    # Write into this network namespace (ip -n NAME) instead of btrd's own. Optional.
    # netns: router1
  # mrt: TABLE_DUMP_V2 dumps of the FIB (from a snapshot; updates never pause), readable by bgpdump -m.
  mrt:
    # File written every interval-ms (written aside, then renamed) and at stop. Required for backend mrt.
    path: /var/lib/btrd/fib.mrt
    # Default 300000 (5 minutes).
    interval-ms: 300000
  # Steady-state audit (replicas > 1): each replica's Loc-RIB hash tree is compared with the FIB (cost:
  # the size of the difference); entries that differ from the replicas' majority are repaired, replicas
  # that differ from the voted state are reported.
  audit:
    # Every interval-ms (default 60000) and once the input has been idle for idle-ms (default 2000).
    interval-ms: 60000
    idle-ms: 2000

# BGP neighbours. Default: none.
peers:
  - # Unique name, used in logs and the API (letters, digits, ".", "_", "-").
    name: sample
    # The neighbour's address (IPv4 or IPv6 literal), unique among peers.
    address: 127.0.0.2
    # The neighbour's TCP port. Default 179.
    port: 1179
    # Source address for outgoing connections (same family as address). Optional.
    # local-address: 127.0.0.1
    # Source port for outgoing connections. Optional (ephemeral).
    # local-port: 1179
    # The neighbour's AS; equal to the local AS means iBGP.
    remote-as: 65002
    # Our AS as told to this neighbour (OPEN, AS_PATH). Optional; default: asn.
    # local-as: 65001
    # Only accept connections, never connect (RFC 4271 §8.1.1 PassiveTcpEstablishment). Default false.
    passive: true
    # Proposed hold time in seconds: 0 (no keepalives) or 3..65535 (RFC 4271 §4.2). Default 90.
    hold-time: 90
    # ConnectRetryTimer in seconds (RFC 4271 §10). Default 120.
    connect-retry-time: 120
    # Seconds to stay Idle after an error before restarting (RFC 4271 §8.1.1 IdleHoldTimer). Default 5.
    idle-hold-time: 5
    # Address families to negotiate (RFC 4760): ipv4-unicast, ipv6-unicast. Default: the family of
    # address, plus ipv4-unicast.
    families: [ipv4-unicast]
    # Accept multiple paths per prefix from this neighbour (ADD-PATH receive, RFC 7911). Default false.
    add-path-receive: false
    # Treat as a route reflector client (iBGP only, RFC 4456). Default false.
    route-reflector-client: false
    # Treat as a route server client: no own AS prepended, next hop kept (eBGP only, RFC 7947). Default false.
    route-server-client: false
    # Set NEXT_HOP to our address on every route exported to this neighbour. Default false.
    next-hop-self: false
    # The next hop to announce when btrd is next hop on this session (BIRD's "next hop address"): for
    # IPv6 routes over an IPv4 session, or peers that refuse 127.0.0.0/8 next hops (GoBGP, FRR).
    # Default: the session's local address (IPv4-mapped ::ffff:a.b.c.d for IPv6 over IPv4).
    next-hop-address: { ipv4: 192.0.2.1, ipv6: "2001:db8::1" }
    # Tear the session down (Cease, RFC 4486 subcode 1) when more prefixes than limit are received;
    # warn at warning-percent (default 75); restart after restart-after seconds (absent: stay down until
    # reset). Optional; default: no limit.
    max-prefixes:
      limit: 100000
      warning-percent: 75
      restart-after: 60
    # MinRouteAdvertisementInterval in seconds (RFC 4271 §9.2.1.1). Default 0 for iBGP and eBGP: exports
    # already leave once per decision round (see README.md § Configuration).
    mrai: 0
    # Import policy: terms are tried in order; the first whose match fits decides (action accept/reject,
    # with optional set actions); if none matches, default applies. Default: accept everything.
    import:
      terms:
        - name: no-bogons
          match:
            # prefix with optional ge/le bounds on the length of the matched prefix.
            prefixes:
              - { prefix: 10.0.0.0/8, le: 32 }
              - { prefix: 192.168.0.0/16, ge: 16, le: 32 }
          action: reject
        - name: tag-and-prefer
          # All keys given under match must hold (AND); inside a list any entry may match (OR).
          match:
            # ASNs of which the AS path must contain one.
            as-path-contains: [65002]
            # A JavaScript regular expression tested against the AS path text ("65002 65003 {1,2}").
            # as-path-regex: "^65002( |$)"
            # Communities: ASN:VALUE or well-known names (no-export, no-advertise, no-export-subconfed,
            # no-peer, blackhole, graceful-shutdown).
            # communities: ["65002:1", no-export]
            # Large communities (RFC 8092): GLOBAL:DATA1:DATA2.
            # large-communities: ["65002:0:1"]
          action: accept
          set:
            local-pref: 200
            add-communities: ["65001:100"]
            # med: 10
            # prepend: 2                 # times (1..32)
            # remove-communities: ["65002:1"]
            # add-large-communities: ["65001:1:1"]
            # remove-large-communities: ["65002:0:1"]
            # next-hop-self: true        # export only
      default: accept
    # Export policy, same shape. Default: accept everything.
    export:
      terms: []
      default: accept
    # Per-peer resource limits: any key of the global limits (below), overriding it for this peer.
    # limits: { max-as-path-length: 100 }
    # Not supported, refused with the reason: password (TCP-MD5, RFC 2385 / TCP-AO) and ttl-security
    # (GTSM, RFC 5082) — Node.js cannot set those socket options. README.md § Security has the workaround.
    # password: secret
    # ttl-security: true

# Resource limits for every peer (a peer's own limits override them). Optional.
limits:
  # Routes whose AS_PATH (AS4_PATH) holds more ASNs are not accepted: treated as withdrawn, logged and
  # counted (like FRR's bgp maxas-limit). Default: no limit.
  # max-as-path-length: 100
  # Routes whose path attributes take more octets on the wire are not accepted (treated as withdrawn).
  # Default: no limit (a message is at most 4096 octets, 65535 with RFC 8654 extended messages).
  # max-attribute-bytes: 2048
  # Received input per peer that btrd has not processed yet (octets) above which it stops reading that
  # peer's socket, so TCP slows the peer down; reading resumes below half. Default 8388608 (8 MiB).
  max-queued-input-bytes: 8388608

# JSON API and Prometheus metrics (README.md § Operating btrd): GET /status, /neighbors, /routes, /lookup,
# /replicas, /voter, /quarantine, /fib, /metrics; btrctl talks to it. null disables it (and /metrics).
api:
  # ADDRESS:PORT to listen on; keep it on loopback (the API has no TLS). Default 127.0.0.1:8179.
  listen: 127.0.0.1:8179
  # Write operations (POST: reset a neighbour, soft reset, restart a replica, reload the configuration).
  # Off by default; enabling them requires write-token (16+ characters), sent as "Authorization: Bearer
  # TOKEN" (btrctl --token, $BTRD_API_TOKEN, or read from the config file with btrctl -c).
  enable-write: false
  # write-token: change-me-to-a-long-secret

# Logging: level trace | debug | info | warn | error (default info); pretty: human-readable lines instead
# of JSON (default false).
log:
  level: info
  pretty: true
`;
