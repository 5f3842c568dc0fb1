/**
 * A real Apache Kafka broker for tests and local runs, in KRaft mode (no ZooKeeper): `startKafka()` for one
 * combined broker+controller node, `startKafkaCluster(3)` for three, each on free 127.0.0.1 ports with a
 * fresh data directory. A node can be stopped, killed with any signal and restarted on the same data
 * directory, which is what the fault tests need. The jars come from kafka-install.sh (Maven Central, cached
 * under ~/.cache/flts/kafka/<version>/lib/). Facts behind the settings: ../../../shared/reference/kafka-broker.md.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Admin } from '@platformatic/kafka';
import { freePort, removeWorkDir, ServiceStartError, startService, type RunningService } from './process.js';

/** One Kafka node (broker and controller in one JVM). */
export interface KafkaNode {
  nodeId: number;
  /** `127.0.0.1:<port>` of its PLAINTEXT listener. */
  address: string;
  dataDir: string;
  logFile: string;
  /** Whether the JVM is running (false between kill/stop and restart). */
  readonly running: boolean;
  /** Sends `signal` (default SIGKILL) to the JVM and waits for it to exit; the data directory stays. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the JVM again on the same ports and data directory and waits until a client sees the node. */
  restart(): Promise<void>;
}

/** A single-node broker. */
export interface KafkaServer extends KafkaNode {
  /** Bootstrap list for clients: `[address]`. */
  brokers: string[];
  /** `KAFKA_BOOTSTRAP_SERVERS` pointing at this broker, for a child process's environment. */
  env: Record<string, string>;
  /** Stops the broker (SIGTERM, SIGKILL after 10 s) and deletes its data. Safe to call twice. */
  stop(): Promise<void>;
}

/** Several nodes forming one KRaft quorum. */
export interface KafkaCluster {
  brokers: string[];
  env: Record<string, string>;
  nodes: KafkaNode[];
  /** The node with `nodeId`. */
  node(nodeId: number): KafkaNode;
  /** Stops every node and deletes their data. Safe to call twice. */
  stop(): Promise<void>;
}

export interface KafkaOptions {
  /** Extra or overriding broker properties, e.g. `{ 'min.insync.replicas': '2' }`. */
  properties?: Record<string, string>;
  /** How long to wait for each node to become ready, in milliseconds. @default 60_000 */
  timeoutMs?: number;
}

const SERVICES_DIR = fileURLToPath(new URL('.', import.meta.url));

// With a 128 MiB heap; the log cleaner's default 128 MiB dedupe buffer would not fit (OutOfMemoryError at start).
const JVM_ARGS = ['-Xms64m', '-Xmx128m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'];

/** Starts one combined broker+controller node and waits until a client connection sees it. */
export async function startKafka(options: KafkaOptions = {}): Promise<KafkaServer> {
  const workDir = mkdtempSync(join(tmpdir(), 'flts-kafka-'));
  const ports = { broker: await freePort(), controller: await freePort() };
  const voters = { bootstrap: `127.0.0.1:${ports.controller}` };
  const node = new Node(workDir, 1, ports, voters, 1, options);
  try {
    node.format(clusterId(), true);
    await node.start();
  } catch (error) {
    removeWorkDir(workDir);
    throw error;
  }
  const brokers = [node.address];
  return Object.assign(node, {
    brokers,
    env: { KAFKA_BOOTSTRAP_SERVERS: brokers.join(',') },
    stop: async () => {
      await node.halt();
      removeWorkDir(workDir);
    },
  });
}

/** Starts `size` nodes with a static quorum (each broker and controller); replication factors default to `min(size, 3)`. */
export async function startKafkaCluster(size: number, options: KafkaOptions = {}): Promise<KafkaCluster> {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`Cluster size must be a positive integer; got ${size}.`);
  const workDir = mkdtempSync(join(tmpdir(), 'flts-kafka-cluster-'));
  const ports: { broker: number; controller: number }[] = [];
  for (let i = 0; i < size; i += 1) ports.push({ broker: await freePort(), controller: await freePort() });
  const voters = { static: ports.map((p, i) => `${i + 1}@127.0.0.1:${p.controller}`).join(',') };
  const nodes = ports.map((p, i) => new Node(join(workDir, `node-${i + 1}`), i + 1, p, voters, Math.min(size, 3), options));
  const id = clusterId();
  const stopAll = async () => {
    await Promise.all(nodes.map((n) => n.halt()));
    removeWorkDir(workDir);
  };
  try {
    for (const n of nodes) n.format(id, false);
    // A node becomes ready only once a quorum of controllers is up, so all start together.
    await Promise.all(nodes.map((n) => n.start()));
  } catch (error) {
    await stopAll();
    throw error;
  }
  const brokers = nodes.map((n) => n.address);
  return {
    brokers,
    env: { KAFKA_BOOTSTRAP_SERVERS: brokers.join(',') },
    nodes,
    node: (nodeId) => {
      const found = nodes.find((n) => n.nodeId === nodeId);
      if (!found) throw new RangeError(`No Kafka node ${nodeId}; nodes are ${nodes.map((n) => n.nodeId).join(', ')}.`);
      return found;
    },
    stop: stopAll,
  };
}

class Node implements KafkaNode {
  readonly nodeId: number;
  readonly address: string;
  readonly dataDir: string;
  readonly logFile: string;
  readonly #configFile: string;
  readonly #timeoutMs: number;
  #service: RunningService | undefined;
  #exited = true;

  constructor(
    dir: string,
    nodeId: number,
    ports: { broker: number; controller: number },
    voters: { bootstrap: string } | { static: string },
    replication: number,
    options: KafkaOptions,
  ) {
    mkdirSync(dir, { recursive: true });
    this.nodeId = nodeId;
    this.address = `127.0.0.1:${ports.broker}`;
    this.dataDir = join(dir, 'data');
    this.logFile = join(dir, 'kafka.log');
    this.#configFile = join(dir, 'server.properties');
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    const properties: Record<string, string> = {
      'process.roles': 'broker,controller',
      'node.id': String(nodeId),
      ...('bootstrap' in voters ? { 'controller.quorum.bootstrap.servers': voters.bootstrap } : { 'controller.quorum.voters': voters.static }),
      listeners: `PLAINTEXT://127.0.0.1:${ports.broker},CONTROLLER://127.0.0.1:${ports.controller}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${ports.broker}`,
      'inter.broker.listener.name': 'PLAINTEXT',
      'controller.listener.names': 'CONTROLLER',
      'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      'log.dirs': this.dataDir,
      'num.partitions': '1',
      'offsets.topic.replication.factor': String(replication),
      'offsets.topic.num.partitions': '3',
      'transaction.state.log.replication.factor': String(replication),
      'transaction.state.log.min.isr': '1',
      'share.coordinator.state.topic.replication.factor': String(replication),
      'share.coordinator.state.topic.min.isr': '1',
      'default.replication.factor': String(replication),
      'group.initial.rebalance.delay.ms': '0',
      'log.cleaner.dedupe.buffer.size': '8388608',
      // With the default 9 s, a restart after kill -9 loops on DuplicateBrokerRegistrationException for ~13 s.
      'broker.session.timeout.ms': '3000',
      'broker.heartbeat.interval.ms': '1000',
      ...options.properties,
    };
    writeFileSync(this.#configFile, Object.entries(properties).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  }

  get running(): boolean {
    return !this.#exited;
  }

  format(id: string, standalone: boolean): void {
    const args = [...JVM_ARGS, '-cp', classpath(), 'kafka.tools.StorageTool', 'format', '-t', id, '-c', this.#configFile];
    if (standalone) args.push('--standalone');
    try {
      execFileSync('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (cause) {
      const stderr = String((cause as { stderr?: Buffer }).stderr ?? '');
      throw new ServiceStartError('Kafka', `Formatting the Kafka data directory ${this.dataDir} failed: ${stderr.trim()}`, this.logFile);
    }
  }

  async start(): Promise<void> {
    this.#exited = false;
    this.#service = await startService({
      name: `Kafka node ${this.nodeId}`,
      command: 'java',
      args: [...JVM_ARGS, `-Dkafka.logs.dir=${join(this.dataDir, '..')}`, '-cp', classpath(), 'kafka.Kafka', this.#configFile],
      logFile: this.logFile,
      isReady: () => this.#visible(),
      readyDescription: `become visible to a client at ${this.address}`,
      timeoutMs: this.#timeoutMs,
    });
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.#service?.kill(signal);
    this.#exited = true;
  }

  async restart(): Promise<void> {
    if (!this.#exited) await this.kill('SIGTERM');
    await this.start();
  }

  /** Stops the JVM (SIGTERM, SIGKILL after 10 s). */
  async halt(): Promise<void> {
    await this.#service?.stop();
    this.#exited = true;
  }

  /** Ready means: a client connected to this node's listener gets metadata that lists this node. */
  async #visible(): Promise<boolean> {
    const admin = new Admin({ clientId: 'flts-kafka-ready', bootstrapBrokers: [this.address], retries: 0, timeout: 2000 });
    try {
      const metadata = await admin.metadata({ topics: [], forceUpdate: true });
      return metadata.brokers.has(this.nodeId);
    } catch {
      return false;
    } finally {
      await admin.close().catch(() => undefined);
    }
  }
}

/**
 * A random KRaft cluster id: 16 random bytes in URL-safe base64 without padding, as `StorageTool random-uuid`
 * prints. Like Kafka's own Uuid.randomUuid, never one that starts with "-": the format tool would read it as an option.
 */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** `<lib>/*`, the broker's classpath; runs kafka-install.sh once if the jars are missing. */
export function classpath(): string {
  return `${kafkaLibDir()}/*`;
}

/** The cached jar directory of the pinned Kafka release. */
export function kafkaLibDir(): string {
  const fromEnv = process.env['FLTS_KAFKA_LIB'];
  if (fromEnv) return fromEnv;
  const version = /^KAFKA_VERSION=(\S+)$/m.exec(readFileSync(join(SERVICES_DIR, 'kafka-release.sh'), 'utf8'))?.[1] ?? 'unknown';
  const cacheRoot = process.env['FLTS_CACHE_DIR'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'flts');
  const lib = join(cacheRoot, 'kafka', version, 'lib');
  if (!existsSync(join(lib, '.complete'))) {
    process.stderr.write(`Kafka jars missing at ${lib}; running test/services/kafka-install.sh (Maven Central, ~10 s)\n`);
    execFileSync('bash', [join(SERVICES_DIR, 'kafka-install.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return lib;
}

