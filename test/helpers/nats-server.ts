import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { onTestFinished } from 'vitest';
import { freePort, waitForPort } from '../../src/net/ports.js';
import { tempDir } from './temp-dir.js';

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and store (after stop). */
  restart(): Promise<void>;
  /** Sends a signal without waiting for an exit (SIGSTOP/SIGCONT: a node that stops answering, then resumes). */
  signal(signal: NodeJS.Signals): void;
}

/**
 * A real nats-server with JetStream on a free loopback port and a temporary store. `config` is the text
 * of a server configuration file (authorization, tls blocks); the command-line flags add the rest.
 */
export async function startNatsServer(extraArgs: string[] = [], config?: string): Promise<NatsServer> {
  let port = await freePort();
  const storeDir = tempDir('oo-nats-');
  if (config !== undefined) {
    const file = join(storeDir, 'server.conf');
    writeFileSync(file, config);
    extraArgs = ['-c', file, ...extraArgs];
  }
  let proc: ChildProcess | null = null;
  const start = async () => {
    const p = spawn(
      'nats-server',
      ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir, ...extraArgs],
      { stdio: 'ignore' },
    );
    proc = p;
    // The port may have been taken by another suite's process between freePort and the bind: waitForPort
    // fails then (the server exits at once), and the loop below tries a new port.
    await waitForPort(port, { process: p, what: `nats-server on ${port}` });
  };
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    await exited;
  };
  const signal = (sig: NodeJS.Signals) => {
    (proc as ChildProcess | null)?.kill(sig);
  };
  onTestFinished(async () => {
    signal('SIGCONT');
    await stop('SIGKILL');
  });
  for (let attempt = 1; ; attempt++) {
    try {
      await start();
      break;
    } catch (err) {
      if (attempt >= 5) throw err;
      port = await freePort();
    }
  }
  return { url: `nats://127.0.0.1:${port}`, port, storeDir, stop, restart: start, signal };
}

export interface NatsCluster {
  readonly nodes: NatsServer[];
  /** Every node's client URL, comma-separated (what NATS_KV_URL takes). */
  readonly urls: string;
}

/**
 * `size` real nats-server processes with JetStream, routed to each other on loopback as one cluster
 * (R=3 streams need three). Resolves once JetStream has elected a meta leader.
 */
export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  const clusterPorts = await Promise.all(Array.from({ length: size }, () => freePort()));
  const routes = clusterPorts.map((p) => `nats://127.0.0.1:${p}`).join(',');
  const nodes = await Promise.all(
    clusterPorts.map((cp, i) =>
      startNatsServer([
        '-n',
        `n${i + 1}`,
        '--cluster_name',
        'oo',
        '--cluster',
        `nats://127.0.0.1:${cp}`,
        '--routes',
        routes,
      ]),
    ),
  );
  await waitForMetaLeader(nodes);
  return { nodes, urls: nodes.map((n) => n.url).join(',') };
}

async function waitForMetaLeader(nodes: NatsServer[], timeoutMs = 20_000): Promise<void> {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const deadline = Date.now() + timeoutMs;
  const nc = await connect({ servers: nodes.map((n) => n.url) });
  try {
    while (Date.now() < deadline) {
      try {
        await (await jetstreamManager(nc, { timeout: 1000 })).getAccountInfo();
        return;
      } catch {
        await sleep(200);
      }
    }
    throw new Error(`no JetStream meta leader after ${timeoutMs} ms`);
  } finally {
    await nc.close();
  }
}
