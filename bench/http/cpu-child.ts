import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * One revision's request path, in-process: `node cpu-child.js DIR N` builds DIR's app with its default
 * configuration (as `npm start` would, LOG_LEVEL=info, logs to stdout), touches all 10k users, then
 * answers N `/score/egreedy` requests (wrk's body, K = 20) through `app.inject` and prints the process
 * CPU time per request. Socket I/O and HTTP parsing are left out: they are the same in every revision,
 * and what is left is what the revisions changed, measured without the load generator's noise.
 */
const [dir, n] = [process.argv[2]!, Number(process.argv[3] ?? 20_000)];
const CANDIDATES = Array.from({ length: 20 }, (_, i) => ({
  id: `t${i}`,
  priority: i % 5,
  created_at: '2026-11-01T00:00:00Z',
  due_at: i % 2 === 1 ? null : '2026-11-25T00:00:00Z',
}));
const body = (i: number) =>
  JSON.stringify({
    user_id: `load${i % 10_000}`,
    now: '2026-11-24T09:30:00Z',
    timezone: 'Europe/Berlin',
    candidates: CANDIDATES,
  });

const { buildApp } = (await import(pathToFileURL(join(dir, 'dist/src/app.js')).href)) as {
  buildApp: (config: unknown) => Promise<{
    inject(o: object): Promise<{ statusCode: number }>;
    ready(): Promise<void>;
    close(): Promise<void>;
  }>;
};
const { loadConfig } = (await import(pathToFileURL(join(dir, 'dist/src/config/env.js')).href)) as {
  loadConfig: (env: NodeJS.ProcessEnv) => unknown;
};
const app = await buildApp(loadConfig({ STATE_DIR: mkdtempSync(join(tmpdir(), 'oo-cpu-')) }));
await app.ready();
const headers = { 'content-type': 'application/json' };
const run = async (count: number, offset: number) => {
  // 32 in flight, as wrk -c32 keeps them.
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = offset + next++;
      const res = await app.inject({ method: 'POST', url: '/score/egreedy', headers, payload: body(i) });
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
};
await run(10_000, 0);
const before = process.cpuUsage();
const t0 = performance.now();
await run(n, 10_000);
const cpu = process.cpuUsage(before);
const wall = performance.now() - t0;
process.stderr.write(
  `${JSON.stringify({ dir, n, cpuUsPerReq: (cpu.user + cpu.system) / n, wallMs: wall })}\n`,
);
await app.close();
process.exit(0);
