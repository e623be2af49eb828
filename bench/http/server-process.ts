import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort, waitForPort } from '../../src/net/ports.js';

const SERVER = fileURLToPath(new URL('../../src/server.js', import.meta.url));

export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  /** Resident set size in bytes, from /proc (Linux). */
  rss(): number;
  stop(): Promise<void>;
}

/** The built service (`dist/src/server.js`) in a process of its own, as `npm start` runs it. */
/** `nodeArgs`: e.g. `--cpu-prof` to profile the server under load. */
export async function startServer(
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<ServerProcess> {
  const port = await freePort();
  const proc: ChildProcess = spawn(process.execPath, [...nodeArgs, SERVER], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await waitForPort(port, { process: proc, what: 'the server', timeoutMs: 20_000 });
  const pid = proc.pid!;
  return {
    url: `http://127.0.0.1:${port}`,
    pid,
    rss() {
      const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : Number.NaN;
    },
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}
