import { POLICY_NAMES, type PolicyName } from '../policies/mod.js';
import type { ScoredEvent } from './scored-event-journal.js';

const VERSION = 1;

/**
 * A decision as compact bytes: a small header, the ids as length-prefixed UTF-8, then the K × width
 * feature rows as raw little-endian float64 (exact, and no text to print or parse). At K = 20 and
 * width 7 that is ~1.3 KB against ~1.9 KB as a JSON line with base64 rows.
 */
export function encodeScoredEvent(d: ScoredEvent): Buffer {
  const strings = [d.user, d.chosen, ...d.ids].map((s) => Buffer.from(s, 'utf8'));
  const head = 4 + d.policies.length + 8 + 2 + 2;
  const size = head + strings.reduce((n, s) => n + 2 + s.length, 0) + d.x.byteLength;
  const buf = Buffer.allocUnsafe(size);
  let o = 0;
  o = buf.writeUInt8(VERSION, o);
  o = buf.writeUInt8(d.origin === 'score' ? 0 : 1, o);
  o = buf.writeUInt8(policyIndex(d.policy), o);
  o = buf.writeUInt8(d.policies.length, o);
  for (const p of d.policies) o = buf.writeUInt8(policyIndex(p), o);
  o = buf.writeDoubleLE(d.t, o);
  o = buf.writeUInt16LE(d.width, o);
  o = buf.writeUInt16LE(d.ids.length, o);
  for (const s of strings) {
    o = buf.writeUInt16LE(s.length, o);
    o += s.copy(buf, o);
  }
  Buffer.from(d.x.buffer, d.x.byteOffset, d.x.byteLength).copy(buf, o);
  return buf;
}

/** The decision stored under `id`, or null for bytes this version cannot read. */
export function decodeScoredEvent(id: string, buf: Uint8Array): ScoredEvent | null {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 16 || b.readUInt8(0) !== VERSION) return null;
  let o = 1;
  const origin = b.readUInt8(o++) === 0 ? 'score' : 'recommend';
  const policy = POLICY_NAMES[b.readUInt8(o++)];
  const n = b.readUInt8(o++);
  const policies: PolicyName[] = [];
  for (let i = 0; i < n; i++) policies.push(POLICY_NAMES[b.readUInt8(o++)]!);
  const t = b.readDoubleLE(o);
  o += 8;
  const width = b.readUInt16LE(o);
  o += 2;
  const k = b.readUInt16LE(o);
  o += 2;
  const strings: string[] = [];
  for (let i = 0; i < k + 2; i++) {
    const len = b.readUInt16LE(o);
    o += 2;
    strings.push(b.toString('utf8', o, o + len));
    o += len;
  }
  if (policy === undefined || b.length - o !== k * width * 8) return null;
  // Copied into a buffer of its own: LMDB's bytes are not 8-byte aligned and are reused by the next read.
  const x = new Float64Array(k * width);
  new Uint8Array(x.buffer).set(b.subarray(o));
  return {
    id,
    t,
    user: strings[0]!,
    origin,
    policy,
    policies,
    chosen: strings[1]!,
    ids: strings.slice(2),
    x,
    width,
  };
}

function policyIndex(p: PolicyName): number {
  const i = POLICY_NAMES.indexOf(p);
  if (i < 0) throw new RangeError(`unknown policy ${p}`);
  return i;
}
