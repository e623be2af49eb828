import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/net/ports.js';

/**
 * The Python baseline service, the one a user would drop in from: a copy of the project's anchor
 * (`../shared/anchors/python-service/`) kept in bench/anchors so that a clean clone has it.
 */
export const PYTHON_SERVICE_DIR = fileURLToPath(
  new URL('../../bench/anchors/python-service/', import.meta.url),
);

export interface PythonService {
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts `seed_fastapi:app` with uvicorn (one worker) on a free port and waits until it answers. */
export async function startPythonService(env: Record<string, string>): Promise<PythonService> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    '/usr/bin/python3',
    ['-m', 'uvicorn', 'seed_fastapi:app', '--host', '127.0.0.1', '--port', String(port), '--workers', '1'],
    { cwd: PYTHON_SERVICE_DIR, env: { ...process.env, LOG_LEVEL: 'warning', ...env }, stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`python service exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('python service did not start within 60 s');
    }
    await sleep(100);
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
