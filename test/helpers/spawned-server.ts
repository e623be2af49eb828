import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import { freePort } from './free-port.js';
import { waitForPort } from './nats-server.js';

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
 * are what they are in production.
 */
export async function spawnServer(
  env: Record<string, string>,
  port?: number,
  nodeArgs: readonly string[] = [],
): Promise<SpawnedServer> {
  const p = port ?? (await freePort());
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
  try {
    await waitForPort(p, 20_000);
  } catch (err) {
    throw new Error(`server did not start: ${out}`, { cause: err });
  }
  return { url: `http://127.0.0.1:${p}`, port: p, proc, output: () => out, kill };
}
