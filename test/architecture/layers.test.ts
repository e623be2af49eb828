import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

// The layering the code relies on, checked on the import statements themselves (static `from '…'`,
// `export … from '…'` and dynamic `import('…')`), so a new import across a line fails here first.

const SRC = resolve(import.meta.dirname, '../../src');

interface ImportEdge {
  file: string; // relative to src/, with '/'
  target: string; // relative to src/, with '/'
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

function importsOf(file: string): ImportEdge[] {
  const text = readFileSync(file, 'utf8');
  const edges: ImportEdge[] = [];
  for (const match of text.matchAll(SPECIFIER)) {
    const spec = match[1]!;
    if (!spec.startsWith('.')) continue;
    const target = relative(SRC, resolve(dirname(file), spec))
      .split(sep)
      .join('/');
    edges.push({ file: relative(SRC, file).split(sep).join('/'), target });
  }
  return edges;
}

const EDGES = sourceFiles(SRC).flatMap(importsOf);
/**
 * Imports that skip a mod.ts on purpose. nats/mod.ts starts the consumers and loads the scoring code;
 * the NATS KV state backend needs only the connection settings, and is itself loaded only when chosen.
 */
const SURFACE_EXCEPTIONS = new Set(['state/nats-kv-backend.ts -> nats/connect-options.js']);

const folderOf = (path: string) => (path.includes('/') ? path.slice(0, path.indexOf('/')) : '');

describe('layers of src/', () => {
  it('finds the imports it checks (the scan itself works)', () => {
    expect(EDGES.some((e) => e.file.startsWith('scoring/') && e.target === 'contract/mod.js')).toBe(true);
    expect(EDGES.some((e) => e.file.startsWith('http/') && e.target.startsWith('contract/'))).toBe(true);
  });

  it('nothing below the transport imports from http/', () => {
    const lower = ['contract', 'scoring', 'state', 'nats', 'cli', 'policies', 'features', 'evaluation'];
    const offending = EDGES.filter((e) => lower.includes(folderOf(e.file)) && folderOf(e.target) === 'http');
    expect(offending).toEqual([]);
  });

  it('the contract knows no transport: no fastify, no NATS client, no http/ or nats/', () => {
    const files = sourceFiles(join(SRC, 'contract'));
    const offending = files.filter((f) =>
      /from ['"](fastify|@fastify\/|@nats-io\/)/.test(readFileSync(f, 'utf8')),
    );
    expect(offending).toEqual([]);
    const inward = EDGES.filter(
      (e) =>
        folderOf(e.file) === 'contract' && ['http', 'nats', 'scoring', 'cli'].includes(folderOf(e.target)),
    );
    expect(inward).toEqual([]);
  });

  it('the services are composed without the transport: services.ts and cli/ reach no fastify or http/', () => {
    const files = [join(SRC, 'services.ts'), ...sourceFiles(join(SRC, 'cli'))];
    const offending = files.filter((f) => /from ['"](fastify|@fastify\/)/.test(readFileSync(f, 'utf8')));
    expect(offending).toEqual([]);
    const inward = EDGES.filter(
      (e) =>
        (e.file === 'services.ts' || folderOf(e.file) === 'cli') &&
        (folderOf(e.target) === 'http' || e.target === 'app.js'),
    );
    expect(inward).toEqual([]);
  });

  it('where a folder has a mod.ts, code outside it imports only that surface', () => {
    const surfaced = new Set(
      readdirSync(SRC, { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(join(SRC, d.name, 'mod.ts')))
        .map((d) => d.name),
    );
    expect(surfaced).toContain('contract');
    const offending = EDGES.filter(
      (e) =>
        surfaced.has(folderOf(e.target)) &&
        folderOf(e.file) !== folderOf(e.target) &&
        e.target !== `${folderOf(e.target)}/mod.js` &&
        !SURFACE_EXCEPTIONS.has(`${e.file} -> ${e.target}`),
    );
    expect(offending).toEqual([]);
  });
});
