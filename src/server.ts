import { readdirSync } from 'node:fs';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config/env.js';

/** Listens, and nothing else: SIGTERM/SIGINT stop accepting, finish in-flight work, flush state, exit 0. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const p of err.problems)
        process.stderr.write(`configuration error: ${p.variable}: ${p.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const app = await buildApp(config);
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  await app.listen({ port: config.PORT, host: config.HOST });
  // libuv reads UV_THREADPOOL_SIZE once, before any JS runs: it is set by `npm start` and the images.
  app.log.info(
    { uv_threadpool_size: process.env.UV_THREADPOOL_SIZE ?? '4 (libuv default)', threads: threadCount() },
    'listening',
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

/** Threads of this process (Linux); null elsewhere. */
function threadCount(): number | null {
  try {
    return readdirSync('/proc/self/task').length;
  } catch {
    return null;
  }
}
