import type { PolicyName } from '../policies/mod.js';
import type { DocKey } from './state-store.js';

/**
 * JetStream KV keys allow only `[-/=.\w]`, and `.` separates tokens (no empty token). User ids also
 * carry `.`, `@` and `:`, so every byte outside `[A-Za-z0-9_-]` becomes `=XX` (uppercase hex of its
 * UTF-8 byte). `=` itself is escaped too, which makes the encoding reversible for any string.
 */
export function encodeKeyToken(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_-]/.test(c) ? c : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function decodeKeyToken(token: string): string | null {
  if (!/^(?:[A-Za-z0-9_-]|=[0-9A-F]{2})*$/.test(token)) return null;
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    if (token[i] === '=') {
      bytes.push(Number.parseInt(token.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(token.charCodeAt(i));
  }
  const s = Buffer.from(bytes).toString('utf8');
  return encodeKeyToken(s) === token ? s : null;
}

const DOCS: readonly DocKey['doc'][] = ['linucb_v1', 'egreedy_v1', 'egreedy_v2', 'sync'];

/** `{doc}.{encoded user}`: a watch or a key listing can then select one document kind by prefix. */
export function kvKeyOf(key: DocKey): string {
  return `${key.doc}.${encodeKeyToken(key.user)}`;
}

export function docKeyOf(kvKey: string): DocKey | null {
  const dot = kvKey.indexOf('.');
  if (dot < 0) return null;
  const doc = kvKey.slice(0, dot) as DocKey['doc'];
  if (!DOCS.includes(doc)) return null;
  const user = decodeKeyToken(kvKey.slice(dot + 1));
  return user === null || user === '' ? null : { user, doc };
}

export function isPolicyDoc(doc: DocKey['doc']): doc is PolicyName {
  return doc !== 'sync';
}
