import { createHash } from 'node:crypto';

/** A tip as the service returns it: the id is the same for the same text, whatever call produced it. */
export interface TipCandidate {
  readonly id: string;
  readonly text: string;
}

/** Longer "tips" are a model rambling, not a tip; they are cut at a word boundary. */
export const MAX_TIP_CHARS = 500;

const FENCE = /```[A-Za-z0-9_-]*[ \t]*\r?\n?([\s\S]*?)```/g;
/** "- ", "* ", "• ", "1. ", "2) ", "(3) " at the start of a line of a plain list. */
const BULLET = /^\s*(?:[-*•·]|\(?\d{1,3}[.):]|\[\d{1,3}\])\s+/;
const WRAPPING_QUOTES = /^(["'“”‘’«»`])([\s\S]*)\1$/;
const TIP_KEYS = ['tips', 'candidates', 'items', 'suggestions', 'data', 'results'];
const TEXT_KEYS = ['text', 'tip', 'content', 'title', 'message'];

/**
 * The tip texts of a model's reply, in order, before de-duplication. The model is asked for
 * `{"tips": [...]}`; models also answer a bare array, an array of `{text}` objects, the JSON wrapped in
 * a code fence or in prose, or a plain (bulleted, numbered) list. Anything else gives [].
 */
export function extractTips(content: string): string[] {
  const blocks = [...content.matchAll(FENCE)].map((m) => m[1] ?? '');
  for (const source of [...blocks, content]) {
    const fromJson = tipsFromJson(source);
    if (fromJson) return fromJson;
  }
  return plainList(blocks.length > 0 ? blocks.join('\n') : content);
}

function tipsFromJson(source: string): string[] | undefined {
  const whole = tryParse(source.trim());
  if (whole !== undefined) return tipsOf(whole);
  // JSON embedded in prose ("Here are your tips: [...]"): the outermost object or array.
  for (const [open, close] of [
    ['{', '}'],
    ['[', ']'],
  ] as const) {
    const start = source.indexOf(open);
    const end = source.lastIndexOf(close);
    if (start >= 0 && end > start) {
      const inner = tryParse(source.slice(start, end + 1));
      if (inner !== undefined) {
        const tips = tipsOf(inner);
        if (tips && tips.length > 0) return tips;
      }
    }
  }
  return undefined;
}

function tryParse(text: string): unknown {
  if (!/^[[{"]/.test(text)) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function tipsOf(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap((v) => textOf(v) ?? []);
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    for (const key of TIP_KEYS) {
      if (Array.isArray(obj[key])) return tipsOf(obj[key]);
    }
    const single = textOf(obj);
    if (single !== undefined) return [single];
  }
  return undefined;
}

function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const key of TEXT_KEYS) {
      const v = (value as Record<string, unknown>)[key];
      if (typeof v === 'string') return v;
    }
  }
  return undefined;
}

function plainList(text: string): string[] {
  // JSON that does not parse (cut off, broken) is not a list of tips: its lines would be fragments.
  if (/^\s*[[{]/.test(text)) return [];
  const lines = text.split(/\r?\n/).filter((l) => l.trim().length > 0);
  const bulleted = lines.filter((l) => BULLET.test(l));
  // With bullets, the unbulleted lines are the model's preamble ("Sure! Here are three tips:").
  return (bulleted.length > 0 ? bulleted : lines).map((l) => l.replace(BULLET, ''));
}

/** Whitespace collapsed, wrapping quotes and markdown emphasis removed, cut to MAX_TIP_CHARS. */
export function cleanTip(raw: string): string {
  let text = raw.replace(/\s+/g, ' ').trim();
  for (let m = WRAPPING_QUOTES.exec(text); m; m = WRAPPING_QUOTES.exec(text)) text = (m[2] ?? '').trim();
  text = text.replace(/^(\*\*|__)([\s\S]*)\1$/, '$2').trim();
  if (text.length > MAX_TIP_CHARS) {
    const cut = text.slice(0, MAX_TIP_CHARS);
    const space = cut.lastIndexOf(' ');
    text = `${(space > MAX_TIP_CHARS / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
  }
  return text;
}

/** What two tips must share to count as the same tip: case, width, spacing and end punctuation aside. */
export function normalizeTip(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/[\s.!?…;:,]+$/u, '')
    .trim();
}

/** A stable id: the same normalized text always gets the same id (feedback can name a tip by it). */
export function tipId(text: string): string {
  return `tip_${createHash('sha256').update(normalizeTip(text)).digest('hex').slice(0, 16)}`;
}

/** Cleaned, de-duplicated (first one kept), empty ones dropped, at most n. */
export function toCandidates(texts: readonly string[], n: number): TipCandidate[] {
  const seen = new Set<string>();
  const out: TipCandidate[] = [];
  for (const raw of texts) {
    const text = cleanTip(raw);
    const key = normalizeTip(text);
    if (!/[\p{L}\p{N}]/u.test(key) || seen.has(key)) continue;
    seen.add(key);
    out.push({ id: tipId(text), text });
    if (out.length === n) break;
  }
  return out;
}
