import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderBenchmarksDoc } from '../../bench/gen-benchmarks-doc.js';
import { EnvSchema } from '../../src/config/env.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (rel: string) => readFileSync(join(ROOT, rel), 'utf8');

/** README.md and every docs/*.md, as paths relative to the repository root. */
const MARKDOWN = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** The variable names of the configuration table: first cells that are a backquoted UPPER_CASE name. */
function documentedVariables(markdown: string): string[] {
  return [...markdown.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1] as string);
}

/** Markdown prose without fenced code blocks, where `](` can be code rather than a link. */
function withoutCode(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '');
}

function links(markdown: string): string[] {
  return [...withoutCode(markdown).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] as string);
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of withoutCode(markdown).matchAll(/^#{1,6} +(.+?) *$/gm)) {
    const base = (m[1] as string)
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

describe('docs/configuration.md', () => {
  it('lists exactly the variables of the env schema, each once', () => {
    const documented = documentedVariables(read('docs/configuration.md'));
    const schema = Object.keys(EnvSchema.shape);
    expect(new Set(documented).size, 'a variable is listed twice').toBe(documented.length);
    expect([...documented].sort()).toEqual([...schema].sort());
  });

  it('reads the variable of a table row and nothing else (a control of the extraction)', () => {
    expect(documentedVariables('| `PORT` | `8000` | HTTP port |\n| not a row |')).toEqual(['PORT']);
  });
});

describe('links in README.md and docs/', () => {
  it.each(MARKDOWN)('every relative link of %s points to an existing file (and heading)', (file) => {
    const text = read(file);
    const broken: string[] = [];
    for (const target of links(text)) {
      if (/^[a-z]+:/i.test(target)) continue; // http(s), mailto: not ours to check offline
      const [path, fragment] = target.split('#') as [string, string | undefined];
      const resolved = path === '' ? join(ROOT, file) : resolve(dirname(join(ROOT, file)), path);
      if (!resolved.startsWith(ROOT)) {
        broken.push(`${target} (outside the repository)`);
      } else if (!existsSync(resolved)) {
        broken.push(`${target} (no such file)`);
      } else if (fragment && resolved.endsWith('.md')) {
        if (!anchors(readFileSync(resolved, 'utf8')).has(fragment)) {
          broken.push(`${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('the README links every page of docs/', () => {
    const readme = links(read('README.md'));
    const pages = MARKDOWN.filter((f) => f.startsWith('docs/'));
    expect(pages.filter((p) => !readme.some((l) => l.split('#')[0] === p))).toEqual([]);
  });

  it('the README stays under 250 lines', () => {
    expect(read('README.md').split('\n').length).toBeLessThan(250);
  });
});

describe('the link and heading readers (controls)', () => {
  it('see links outside code blocks only, and GitHub-style anchors', () => {
    const md = '# `/metrics` and `/docs`\n## A, b\n## A, b\n[x](y.md#z)\n```\n[no](code.md)\n```\n';
    expect(links(md)).toEqual(['y.md#z']);
    expect([...anchors(md)]).toEqual(['metrics-and-docs', 'a-b', 'a-b-1']);
  });
});

describe('docs/benchmarks.md', () => {
  it('is what bench/gen-benchmarks-doc.ts writes from bench/results/ (run npm run docs:benchmarks)', () => {
    expect(read('docs/benchmarks.md')).toBe(renderBenchmarksDoc(ROOT));
  });
});
