import type { ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

// Ports for the processes the CLI, the benchmarks and the tests start on loopback. One implementation,
// because the race below was found (and fixed) in one copy of five.

const LOOPBACK = '127.0.0.1';

/**
 * A port nothing listens on right now (the kernel picks it). Nothing reserves it: another process may
 * bind it before ours does, which `waitForPort` with a process detects (the caller then starts again
 * on a new port).
 */
export function freePort(host = LOOPBACK): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Whether something accepts connections on the port now. */
export function isListening(port: number, host = LOOPBACK): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, host);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export interface WaitForPortOptions {
  readonly timeoutMs?: number;
  /** The process meant to listen: waiting fails as soon as it exits, and after the port opens. */
  readonly process?: ChildProcess;
  /** Named in the error messages. */
  readonly what?: string;
  readonly host?: string;
}

/** The process that was to listen exited: the port, if open, is someone else's. */
export class ProcessExitedError extends Error {}

/**
 * Until the port accepts connections. With `process`: fails at once if that process exits, and once
 * the port is open waits a moment and checks the process is still alive, because a server that lost
 * the port to another process (between `freePort` and its bind) exits at once while the port answers.
 */
export async function waitForPort(port: number, options: WaitForPortOptions = {}): Promise<void> {
  const { timeoutMs = 15_000, process: proc, what = 'the process', host = LOOPBACK } = options;
  const exited = () => proc !== undefined && (proc.exitCode !== null || proc.signalCode !== null);
  const deadline = Date.now() + timeoutMs;
  while (!(await isListening(port, host))) {
    if (exited()) throw new ProcessExitedError(`${what} exited (${proc?.exitCode ?? proc?.signalCode})`);
    if (Date.now() > deadline) throw new Error(`${what}: nothing listens on ${port} after ${timeoutMs} ms`);
    await sleep(50);
  }
  if (proc === undefined) return;
  await sleep(100);
  if (exited()) throw new ProcessExitedError(`${what} exited; the open port ${port} was another's`);
}
