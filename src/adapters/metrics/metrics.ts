// GET /metrics: drover's counters in Prometheus text format (prom-client), on a registry of
// its own (tests start several servers in one process). Counters move where the work happens
// (see instrument.ts); gauges of stored state are read from the database at each scrape.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface StoredCounts {
  upgradesByState(): Promise<Array<{ state: string; count: number }>>;
  outbox(now: Date): Promise<{
    pending: Array<{ platform: string; count: number; oldestAgeSeconds: number }>;
    dead: Array<{ platform: string; count: number }>;
  }>;
}

export interface Metrics {
  registry: Registry;
  unitsFinished: Counter<'outcome' | 'kind'>;
  phaseDuration: Histogram<'phase' | 'outcome'>;
  sshErrors: Counter<'reason'>;
  chatCalls: Counter<'platform'>;
  chatErrors: Counter<'platform' | 'error'>;
  digestsPosted: Counter<'environment'>;
  /** Where the gauges of stored state read from (the database, once open). */
  readFrom(stored: StoredCounts): void;
  /** The text a scrape gets (Prometheus exposition format). */
  scrape(): Promise<string>;
  contentType: string;
}

const nothingStored: StoredCounts = {
  upgradesByState: async () => [],
  outbox: async () => ({ pending: [], dead: [] }),
};

export function createMetrics(now: () => Date = () => new Date()): Metrics {
  let stored = nothingStored;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'drover_upgrades',
    help: 'Upgrades in the database, by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { state, count } of await stored.upgradesByState()) this.set({ state }, count);
    },
  });
  let outboxRead: ReturnType<StoredCounts['outbox']> | undefined;
  // The three outbox gauges share one read per scrape.
  const readOutbox = () => {
    outboxRead ??= stored.outbox(now()).finally(() => {
      setImmediate(() => {
        outboxRead = undefined;
      });
    });
    return outboxRead;
  };
  new Gauge({
    name: 'drover_outbox_pending',
    help: 'Chat messages waiting to be delivered, by platform',
    labelNames: ['platform'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { platform, count } of (await readOutbox()).pending) this.set({ platform }, count);
    },
  });
  new Gauge({
    name: 'drover_outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest chat message waiting to be delivered, by platform',
    labelNames: ['platform'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { platform, oldestAgeSeconds } of (await readOutbox()).pending)
        this.set({ platform }, oldestAgeSeconds);
    },
  });
  new Gauge({
    name: 'drover_outbox_dead',
    help: 'Chat messages given up on after a permanent error (drover outbox lists them), by platform',
    labelNames: ['platform'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { platform, count } of (await readOutbox()).dead) this.set({ platform }, count);
    },
  });
  return {
    registry,
    unitsFinished: new Counter({
      name: 'drover_units_finished_total',
      help: 'Units (service, node) finished by this process, by outcome',
      labelNames: ['outcome', 'kind'],
      registers: [registry],
    }),
    phaseDuration: new Histogram({
      name: 'drover_phase_duration_seconds',
      help: 'How long phase commands ran on nodes, by phase and outcome',
      labelNames: ['phase', 'outcome'],
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
      registers: [registry],
    }),
    sshErrors: new Counter({
      name: 'drover_ssh_connection_errors_total',
      help: 'Connections to nodes that failed, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    chatCalls: new Counter({
      name: 'drover_chat_api_calls_total',
      help: 'Chat API deliveries attempted, by platform',
      labelNames: ['platform'],
      registers: [registry],
    }),
    chatErrors: new Counter({
      name: 'drover_chat_api_errors_total',
      help: 'Chat API deliveries that failed, by platform and error',
      labelNames: ['platform', 'error'],
      registers: [registry],
    }),
    digestsPosted: new Counter({
      name: 'drover_digests_posted_total',
      help: 'Scheduled or requested digests queued for posting, by environment',
      labelNames: ['environment'],
      registers: [registry],
    }),
    readFrom(source) {
      stored = source;
    },
    scrape: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
