/**
 * Imported first by server.ts, before anything touches libuv's thread pool: every state write is a few
 * file operations (open, write, fsync, close, rename) on that pool, and its default of 4 threads, not
 * the CPU, is what bounds durable rewards per second. An explicit UV_THREADPOOL_SIZE wins.
 */
process.env.UV_THREADPOOL_SIZE ??= '16';

export {};
