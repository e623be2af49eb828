import { POLICY_NAMES, type PolicyName } from '../policies/mod.js';
import type { ScoredEvent } from './scored-event-journal.js';

const VERSION = 2;
/** Column encodings of the feature rows. */
const CONSTANT = 0;
/** int8 of v·2^shift (a shift byte follows the tag): exact, as scaling by a power of two is. */
const INT8 = 1;
const FLOAT64 = 2;
const MAX_SHIFT = 6;

/**
 * A decision as compact bytes: a small header, the ids as length-prefixed UTF-8, then the K × width
 * feature rows column by column, each column as whichever exact form is smallest: one float64 when
 * every row holds the same value (the time-of-day, weekday and profile features of one request), one
 * int8 per row when every value times a small power of two is a small integer (is_overdue; priority,
 * in quarters), else float64 per row.
 * Exact to the bit, and cheap: LMDB's LZ4 reached about the same size (~0.3 KB at K = 20) for five
 * times the CPU of a put on the request path (docs/state.md).
 */
export function encodeScoredEvent(d: ScoredEvent): Buffer {
  const strings = [d.user, d.chosen, ...d.ids].map((s) => Buffer.from(s, 'utf8'));
  const k = d.ids.length;
  const kinds = new Uint8Array(d.width);
  const shifts = new Uint8Array(d.width);
  let rowsSize = 0;
  for (let j = 0; j < d.width; j++) {
    if (isConstant(d.x, k, d.width, j)) kinds[j] = CONSTANT;
    else {
      const shift = int8Shift(d.x, k, d.width, j);
      kinds[j] = shift < 0 ? FLOAT64 : INT8;
      shifts[j] = Math.max(shift, 0);
    }
    rowsSize += 1 + (kinds[j] === CONSTANT ? 8 : kinds[j] === INT8 ? 1 + k : 8 * k);
  }
  const head = 4 + d.policies.length + 8 + 2 + 2;
  const size = head + strings.reduce((n, s) => n + 2 + s.length, 0) + rowsSize;
  const buf = Buffer.allocUnsafe(size);
  let o = 0;
  o = buf.writeUInt8(VERSION, o);
  o = buf.writeUInt8(d.origin === 'score' ? 0 : 1, o);
  o = buf.writeUInt8(policyIndex(d.policy), o);
  o = buf.writeUInt8(d.policies.length, o);
  for (const p of d.policies) o = buf.writeUInt8(policyIndex(p), o);
  o = buf.writeDoubleLE(d.t, o);
  o = buf.writeUInt16LE(d.width, o);
  o = buf.writeUInt16LE(k, o);
  for (const s of strings) {
    o = buf.writeUInt16LE(s.length, o);
    o += s.copy(buf, o);
  }
  for (let j = 0; j < d.width; j++) {
    o = buf.writeUInt8(kinds[j]!, o);
    if (kinds[j] === CONSTANT) o = buf.writeDoubleLE(d.x[j]!, o);
    else if (kinds[j] === INT8) {
      const scale = 2 ** shifts[j]!;
      o = buf.writeUInt8(shifts[j]!, o);
      for (let r = 0; r < k; r++) o = buf.writeInt8(d.x[r * d.width + j]! * scale, o);
    } else for (let r = 0; r < k; r++) o = buf.writeDoubleLE(d.x[r * d.width + j]!, o);
  }
  return buf;
}

function isConstant(x: Float64Array, k: number, width: number, j: number): boolean {
  // Object.is: -0 and 0 are different bits, and the rows must come back bit for bit.
  for (let r = 1; r < k; r++) if (!Object.is(x[r * width + j], x[j])) return false;
  return true;
}

/** The smallest shift that makes every value of column j an int8 (never -0), or -1 when none does. */
function int8Shift(x: Float64Array, k: number, width: number, j: number): number {
  for (let shift = 0; shift <= MAX_SHIFT; shift++) {
    const scale = 2 ** shift;
    let fits = true;
    for (let r = 0; r < k && fits; r++) {
      const v = x[r * width + j]! * scale;
      fits = Number.isInteger(v) && v >= -128 && v <= 127 && !Object.is(v, -0);
    }
    if (fits) return shift;
  }
  return -1;
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
  if (policy === undefined) return null;
  const x = new Float64Array(k * width);
  for (let j = 0; j < width; j++) {
    const kind = b.readUInt8(o++);
    if (kind === CONSTANT) {
      const v = b.readDoubleLE(o);
      o += 8;
      for (let r = 0; r < k; r++) x[r * width + j] = v;
    } else if (kind === INT8) {
      const scale = 2 ** b.readUInt8(o++);
      for (let r = 0; r < k; r++) x[r * width + j] = b.readInt8(o++) / scale;
    } else if (kind === FLOAT64) {
      for (let r = 0; r < k; r++, o += 8) x[r * width + j] = b.readDoubleLE(o);
    } else return null;
  }
  if (o !== b.length) return null;
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
