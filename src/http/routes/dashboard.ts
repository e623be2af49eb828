import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

/**
 * `GET /dashboard` (CONTRACT §4): a page that draws `/evaluation` and `/metrics/live`. Its script,
 * style and the vega libraries are served from here (vega's from node_modules), so it works where
 * nothing but this service can be reached; the Content-Security-Policy holds the browser to that.
 */

/** Our own files, in `dashboard/` at the package root (not compiled: plain browser files). */
const PAGE_FILES = {
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
} as const;

/** The built UMD bundles of the npm packages, next to each package's main file. */
const VENDOR_FILES = {
  'vega.min.js': 'vega',
  'vega-lite.min.js': 'vega-lite',
  'vega-embed.min.js': 'vega-embed',
} as const;

// Vega compiles its expressions with `new Function` (unsafe-eval); vega-embed adds a <style> element.
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The folder holding `dashboard/`: the package root, found from here in src/ (tests) and dist/src/. */
function pageDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'dashboard');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error('dashboard/index.html not found above the service code');
    dir = up;
  }
}

export const dashboardRoutes: FastifyPluginAsync = async (app) => {
  const dir = pageDir();
  const require = createRequire(import.meta.url);
  // Read once, on first request: most app instances (tests) never serve the page.
  const cache = new Map<string, Promise<Buffer>>();
  const cached = (path: string) => {
    let body = cache.get(path);
    if (!body) {
      body = readFile(path);
      cache.set(path, body);
    }
    return body;
  };
  const send = async (reply: FastifyReply, path: string, type: string, maxAgeS: number) =>
    reply
      .type(type)
      .header('cache-control', maxAgeS > 0 ? `public, max-age=${maxAgeS}` : 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .send(await cached(path));

  app.get(
    '/dashboard',
    {
      schema: {
        tags: ['evaluation'],
        operationId: 'getDashboard',
        summary:
          'An HTML page of /evaluation for a chosen window (estimates with intervals, per-day series, shadow agreement) and of /metrics/live',
        produces: ['text/html'],
      },
    },
    (_request, reply) =>
      send(
        reply.header('content-security-policy', CSP),
        join(dir, 'index.html'),
        'text/html; charset=utf-8',
        0,
      ),
  );
  for (const [file, type] of Object.entries(PAGE_FILES)) {
    app.get(`/dashboard/${file}`, { schema: { hide: true } }, (_request, reply) =>
      send(reply, join(dir, file), type, 0),
    );
  }
  for (const [file, pkg] of Object.entries(VENDOR_FILES)) {
    // The packages export only their modules; the bundle lies beside the main file, in build/.
    const path = join(dirname(require.resolve(pkg)), file);
    app.get(`/dashboard/vendor/${file}`, { schema: { hide: true } }, (_request, reply) =>
      send(reply, path, 'text/javascript; charset=utf-8', 86_400),
    );
  }
};
