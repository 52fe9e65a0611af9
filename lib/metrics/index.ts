/**
 * Prometheus metrics (prom-client), one registry per process, served by the API at GET /metrics.
 *
 * Two kinds of metric:
 *  - event counts that only the code where the event happens knows (a round's latency, a vote outcome, a
 *    replica restart, a quarantined input): other modules call the narrow functions below
 *    (`observeRound`, `countVotes`) and never touch prom-client;
 *  - state that already lives somewhere (per-peer message and prefix counts, replica health, the
 *    controller's restarts and quarantine, FIB size):
 *    read at scrape time from the daemon's ApiProvider (`setMetricsSource`), so the hot paths do no
 *    metrics work at all.
 * Process metrics (event-loop lag, main-thread heap, CPU, RSS) come from prom-client's default collectors.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ApiProvider, MessageTypeName } from '../api/types.js';

export const registry = new Registry();
const registers = [registry];

// ── pushed by the code where events happen ──────────────────────────────────────────────────────────

const roundSeconds = new Histogram({
  name: 'btrd_replica_round_seconds',
  help: 'Time a decision replica spent on one round (diversity delays included)',
  labelNames: ['replica'] as const,
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers,
});

const votes = new Counter({
  name: 'btrd_vote_prefixes_total',
  help: 'Voted prefix outcomes: decided (quorum reached), no-quorum (previous state kept), corrected (audit or fail-over restated it)',
  labelNames: ['outcome'] as const,
  registers,
});

export type VoteOutcome = 'decided' | 'no-quorum' | 'corrected';

/** A replica answered a round in `ms` milliseconds. */
export function observeRound(replica: number, ms: number): void {
  roundSeconds.observe({ replica: String(replica) }, ms / 1000);
}

export function countVotes(outcome: VoteOutcome, prefixes: number): void {
  if (prefixes > 0) votes.inc({ outcome }, prefixes);
}


// ── read at scrape time from the daemon ──────────────────────────────────────────────────────────────

let source: ApiProvider | null = null;
let processMetrics = false;

/** The daemon's state provider (the Speaker); null detaches it. Also turns on the process collectors once. */
export function setMetricsSource(p: ApiProvider | null): void {
  source = p;
  if (!processMetrics) {
    processMetrics = true;
    collectDefaultMetrics({ register: registry, prefix: 'btrd_', eventLoopMonitoringPrecision: 20 });
  }
}

const TYPES: readonly MessageTypeName[] = ['open', 'update', 'notification', 'keepalive', 'route-refresh'];

function messagesCounter(name: string, help: string, dir: 'messagesIn' | 'messagesOut'): void {
  new Counter({
    name,
    help,
    labelNames: ['peer', 'type'] as const,
    registers,
    collect() {
      this.reset();
      for (const n of source?.neighbors() ?? []) {
        const m = n[dir];
        if (!m) continue;
        for (const t of TYPES) if (m[t] > 0) this.inc({ peer: n.name, type: t }, m[t]);
      }
    },
  });
}
messagesCounter('btrd_bgp_messages_received_total', 'BGP messages received, by neighbour and type', 'messagesIn');
messagesCounter('btrd_bgp_messages_sent_total', 'BGP messages sent, by neighbour and type', 'messagesOut');

let lastUpdates: { at: number; total: number } | null = null;
new Gauge({
  name: 'btrd_updates_per_second',
  help: 'UPDATE messages received per second (all neighbours) since the previous scrape',
  registers,
  collect() {
    const total = (source?.neighbors() ?? []).reduce((s, n) => s + (n.messagesIn?.update ?? 0), 0);
    const now = performance.now();
    const prev = lastUpdates;
    lastUpdates = { at: now, total };
    this.set(prev && now > prev.at && total >= prev.total ? ((total - prev.total) * 1000) / (now - prev.at) : 0);
  },
});

new Gauge({
  name: 'btrd_peer_prefixes',
  help: 'Prefixes per neighbour: received (Adj-RIB-In), accepted (after import policy), advertised (Adj-RIB-Out)',
  labelNames: ['peer', 'table'] as const,
  registers,
  collect() {
    this.reset();
    for (const n of source?.neighbors() ?? []) {
      this.set({ peer: n.name, table: 'received' }, n.prefixesReceived);
      this.set({ peer: n.name, table: 'accepted' }, n.prefixesAccepted);
      if (n.prefixesAdvertised !== undefined) this.set({ peer: n.name, table: 'advertised' }, n.prefixesAdvertised);
    }
  },
});

new Counter({
  name: 'btrd_import_limit_rejected_prefixes_total',
  help: 'Announced prefixes not accepted because their attributes were over an import limit (max AS_PATH length, attribute-set size), by neighbour',
  labelNames: ['peer'] as const,
  registers,
  collect() {
    this.reset();
    for (const n of source?.neighbors() ?? []) if (n.limitRejected !== undefined) this.inc({ peer: n.name }, n.limitRejected);
  },
});

new Gauge({
  name: 'btrd_peer_established',
  help: '1 when the BGP session is Established',
  labelNames: ['peer'] as const,
  registers,
  collect() {
    this.reset();
    for (const n of source?.neighbors() ?? []) this.set({ peer: n.name }, n.state === 'established' ? 1 : 0);
  },
});

new Gauge({
  name: 'btrd_rib_prefixes',
  help: 'Loc-RIB prefixes with a best path (table=best) and candidate paths (table=paths)',
  labelNames: ['table'] as const,
  registers,
  collect() {
    if (!source) return;
    const s = source.summary();
    this.set({ table: 'best' }, s.best);
    this.set({ table: 'paths' }, s.paths);
  },
});

type ReplicaField = 'disagreements' | 'rounds' | 'alive' | 'heap' | 'divergent' | 'spare';
function replicaGauge(name: string, help: string, field: ReplicaField): void {
  new Gauge({
    name,
    help,
    labelNames: ['replica'] as const,
    registers,
    async collect() {
      this.reset();
      const list = source?.replicaStatus ? await source.replicaStatus() : [];
      for (const r of list) {
        const labels = { replica: String(r.index) };
        if (field === 'disagreements') this.set(labels, r.disagreements);
        else if (field === 'rounds') this.set(labels, r.rounds);
        else if (field === 'alive') this.set(labels, r.alive ? 1 : 0);
        else if (field === 'divergent') this.set(labels, r.divergentPrefixes);
        else if (field === 'spare') this.set(labels, r.role === 'spare' ? 1 : 0);
        else if (r.heapUsedBytes !== null) this.set(labels, r.heapUsedBytes);
      }
    },
  });
}
replicaGauge('btrd_replica_disagreements', 'Prefix outcomes where a replica disagreed with the vote (cumulative)', 'disagreements');
replicaGauge('btrd_replica_rounds', 'Rounds a replica has answered', 'rounds');
replicaGauge('btrd_replica_alive', '1 when the replica is live (not declared faulty)', 'alive');
replicaGauge('btrd_replica_divergent_prefixes', 'Prefixes where a replica currently differs from the voted state', 'divergent');
replicaGauge('btrd_replica_heap_used_bytes', 'V8 heap used by each replica thread', 'heap');
replicaGauge('btrd_replica_spare', '1 when the replica is a warm spare (follows rounds without voting), 0 when it holds a voting seat', 'spare');

new Gauge({
  name: 'btrd_voter_quorum_misses',
  help: 'Prefixes (summed over rounds) for which the replicas reached no quorum',
  registers,
  collect() {
    const v = source?.voter?.();
    if (v) this.set(v.quorumMisses);
  },
});
new Gauge({
  name: 'btrd_voter_failovers',
  help: 'Master fail-overs (voting mode master)',
  registers,
  collect() {
    const v = source?.voter?.();
    if (v) this.set(v.failovers);
  },
});
function byCause(name: string, help: string, field: 'restartsByCause' | 'verdictsByCause'): void {
  new Counter({
    name,
    help,
    labelNames: ['cause'] as const,
    registers,
    collect() {
      this.reset();
      const v = source?.voter?.();
      for (const [cause, n] of Object.entries(v?.[field] ?? {})) this.inc({ cause }, n);
    },
  });
}
byCause('btrd_replica_restarts_total', 'Replica restarts by the controller, by cause (crash, hang, leak, wrong)', 'restartsByCause');
byCause('btrd_replica_verdicts_total', 'Controller verdicts on replicas, by cause (crash, hang, leak, wrong)', 'verdictsByCause');
new Counter({
  name: 'btrd_quarantined_inputs_total',
  help: 'UPDATEs quarantined since start because they made replicas fail (replaced by their withdrawal)',
  registers,
  collect() {
    this.reset();
    const v = source?.voter?.();
    if (v && v.quarantinedTotal > 0) this.inc(v.quarantinedTotal);
  },
});
new Counter({
  name: 'btrd_replica_spare_promotions_total',
  help: 'Warm spares promoted into the seat of a failed voting replica',
  registers,
  collect() {
    this.reset();
    const v = source?.voter?.();
    if (v && v.spares.promotions > 0) this.inc(v.spares.promotions);
  },
});
new Gauge({
  name: 'btrd_replica_spares_ready',
  help: 'Warm spares ready now (following rounds with the majority digest)',
  registers,
  collect() {
    const v = source?.voter?.();
    this.set(v?.spares.ready ?? 0);
  },
});
new Gauge({
  name: 'btrd_replicas_degraded',
  help: '1 when fewer replicas vote than configured (retired, restarting) or below quorum',
  registers,
  collect() {
    const v = source?.voter?.();
    this.set(v?.degraded ? 1 : 0);
  },
});
new Gauge({
  name: 'btrd_quarantine_entries',
  help: 'Entries currently in the quarantine list',
  registers,
  collect() {
    this.set(source?.quarantine?.().length ?? 0);
  },
});
new Gauge({
  name: 'btrd_fib_routes',
  help: 'Routes in the FIB',
  registers,
  collect() {
    const f = source?.fib?.();
    if (f?.available) this.set(f.routes);
  },
});
new Counter({
  name: 'btrd_fib_repairs_total',
  help: 'FIB entries the steady-state audit repaired to the replicas\' majority, by kind (missing, extra, changed)',
  labelNames: ['kind'] as const,
  registers,
  collect() {
    this.reset();
    for (const [kind, n] of Object.entries(source?.fib?.().repairs ?? {})) if (n > 0) this.inc({ kind }, n);
  },
});
function fibCounter(name: string, help: string, field: 'audits' | 'replicaDivergences' | 'failoverRewrites' | 'kernelErrors'): void {
  new Counter({
    name,
    help,
    registers,
    collect() {
      this.reset();
      const n = source?.fib?.()[field] ?? 0;
      if (n > 0) this.inc(n);
    },
  });
}
fibCounter('btrd_fib_audits_total', 'Steady-state audits of the replicas\' Loc-RIB hash trees against the FIB', 'audits');
fibCounter('btrd_fib_replica_divergences_total', 'Prefixes where an audit found a replica\'s Loc-RIB differing from the voted state', 'replicaDivergences');
fibCounter('btrd_fib_failover_rewrites_total', 'FIB entries rewritten from the new master at master fail-overs', 'failoverRewrites');
fibCounter('btrd_fib_kernel_errors_total', 'Kernel route batches (or reconciliations) that failed', 'kernelErrors');
new Gauge({
  name: 'btrd_fib_lookups',
  help: 'FIB lookups served (API and btrctl lookup)',
  registers,
  collect() {
    const f = source?.fib?.();
    if (f?.available) this.set(f.lookups);
  },
});

/** The exposition text and its content type. */
export async function renderMetrics(): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}
