import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import { freePort, waitForPort } from '../../src/net/ports.js';

const SERVER = fileURLToPath(new URL('../../dist/src/server.js', import.meta.url));

export interface SpawnedServer {
  readonly url: string;
  readonly port: number;
  readonly proc: ChildProcess;
  readonly output: () => string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * The real service as its own process (built by test/global-setup.ts), so that SIGKILL and restarts
 * are what they are in production. A port from `freePort` can be taken by another test's process
 * before the server binds it (a nats-server of a parallel suite, say): the server is only returned once
 * it answers its own /health, and a server that could not listen is started again on a new port.
 */
export async function spawnServer(
  env: Record<string, string>,
  port?: number,
  nodeArgs: readonly string[] = [],
): Promise<SpawnedServer> {
  for (let attempt = 1; ; attempt++) {
    const p = port ?? (await freePort());
    const started = start(env, p, nodeArgs);
    try {
      await waitUntilServing(started, 20_000);
      return started;
    } catch (err) {
      await started.kill('SIGKILL');
      const lostThePort = /EADDRINUSE/.test(started.output());
      if (port === undefined && lostThePort && attempt < 5) continue;
      throw new Error(`server did not start: ${started.output()}`, { cause: err });
    }
  }
}

function start(env: Record<string, string>, p: number, nodeArgs: readonly string[]): SpawnedServer {
  let out = '';
  const proc = spawn(process.execPath, [...nodeArgs, SERVER], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(p), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout?.on('data', (d) => (out += d));
  proc.stderr?.on('data', (d) => (out += d));
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.kill(signal);
    return exited;
  };
  onTestFinished(() => kill('SIGKILL').then(() => undefined));
  return { url: `http://127.0.0.1:${p}`, port: p, proc, output: () => out, kill };
}

/** Until this process (not whatever else holds the port) answers /health; fails if it exits first. */
async function waitUntilServing(server: SpawnedServer, timeoutMs: number): Promise<void> {
  await waitForPort(server.port, { timeoutMs });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.proc.exitCode !== null || server.proc.signalCode !== null) {
      throw new Error(`the server exited (${server.proc.exitCode ?? server.proc.signalCode})`);
    }
    const ok = await fetch(`${server.url}/health`).then(
      async (r) => r.ok && ((await r.json()) as { ok?: unknown }).ok === true,
      () => false,
    );
    // Still alive after answering: the answer was ours.
    if (ok && server.proc.exitCode === null && server.proc.signalCode === null) return;
    if (Date.now() > deadline) throw new Error('no /health answer from the server');
    await new Promise((r) => setTimeout(r, 50));
  }
}
