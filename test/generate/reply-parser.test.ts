import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cleanTip,
  extractTips,
  MAX_TIP_CHARS,
  normalizeTip,
  tipId,
  toCandidates,
} from '../../src/generate/reply-parser.js';

describe('extractTips', () => {
  it('reads the JSON object the prompt asks for', () => {
    expect(extractTips('{"tips": ["Do the hard task first.", "Batch your emails."]}')).toEqual([
      'Do the hard task first.',
      'Batch your emails.',
    ]);
  });

  it('reads a bare array, and arrays of objects with a text field', () => {
    expect(extractTips('["a tip", "another tip"]')).toEqual(['a tip', 'another tip']);
    expect(extractTips('{"candidates": [{"text": "one"}, {"tip": "two"}, 3, null]}')).toEqual(['one', 'two']);
  });

  it('reads JSON inside a code fence, with or without a language tag', () => {
    expect(extractTips('```json\n{"tips": ["fenced one", "fenced two"]}\n```')).toEqual([
      'fenced one',
      'fenced two',
    ]);
    expect(extractTips('Here you go:\n```\n["x tip", "y tip"]\n```\nEnjoy!')).toEqual(['x tip', 'y tip']);
  });

  it('reads JSON embedded in prose', () => {
    expect(extractTips('Sure! Here are your tips: {"tips": ["p one", "p two"]} Good luck.')).toEqual([
      'p one',
      'p two',
    ]);
  });

  it('reads a plain list, dropping the preamble and the bullets or numbers', () => {
    const reply =
      'Sure, here are three tips:\n\n1. Start with the overdue report.\n2) Block an hour.\n- Close tabs.\n• Say no once.';
    expect(extractTips(reply)).toEqual([
      'Start with the overdue report.',
      'Block an hour.',
      'Close tabs.',
      'Say no once.',
    ]);
  });

  it('reads unbulleted lines as one tip each', () => {
    expect(extractTips('First tip here\n\nSecond tip here\n')).toEqual(['First tip here', 'Second tip here']);
  });

  it('gives nothing for JSON that is cut off, rather than its fragments', () => {
    expect(extractTips('{"tips": ["Do the hard task fir')).toEqual([]);
    expect(extractTips('```json\n[{"text": \n```')).toEqual([]);
  });
});

describe('toCandidates', () => {
  it('trims, drops empty ones, removes duplicates that differ in case, spacing or end punctuation', () => {
    const out = toCandidates(
      ['  Take a break.  ', 'take a   BREAK', '"Take a break!"', '', '   ', '...', 'Plan tomorrow tonight.'],
      10,
    );
    expect(out.map((c) => c.text)).toEqual(['Take a break.', 'Plan tomorrow tonight.']);
  });

  it('cuts to n, keeping the model order', () => {
    expect(toCandidates(['a1', 'b2', 'c3', 'd4'], 2).map((c) => c.text)).toEqual(['a1', 'b2']);
  });

  it('gives the same id to the same tip, whatever its spelling, and different ids to different tips', () => {
    const [a] = toCandidates(['Take a break.'], 1);
    const [b] = toCandidates(['  TAKE a break'], 1);
    const [c] = toCandidates(['Take a walk.'], 1);
    expect(a!.id).toMatch(/^tip_[0-9a-f]{16}$/);
    expect(a!.id).toBe(b!.id);
    expect(a!.id).not.toBe(c!.id);
  });

  it('cuts a rambling tip at a word boundary', () => {
    const long = `${'word '.repeat(200)}end`;
    const [tip] = toCandidates([long], 1);
    expect(tip!.text.length).toBeLessThanOrEqual(MAX_TIP_CHARS + 1);
    expect(tip!.text.endsWith('word…')).toBe(true);
  });

  it('always answers at most n distinct, non-empty, trimmed tips with ids of their own text', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string(),
            fc.constantFrom('Take a break.', 'take a break', '"Take a break"', ' x ', 'X', '**x**'),
          ),
          {
            maxLength: 30,
          },
        ),
        fc.integer({ min: 1, max: 10 }),
        (texts, n) => {
          const out = toCandidates(texts, n);
          expect(out.length).toBeLessThanOrEqual(n);
          const keys = out.map((c) => normalizeTip(c.text));
          expect(new Set(keys).size).toBe(keys.length);
          for (const c of out) {
            expect(c.text).toBe(c.text.trim());
            expect(c.text.length).toBeGreaterThan(0);
            expect(c.id).toBe(tipId(c.text));
          }
          // Nothing usable is lost: every distinct usable input is either returned or beyond n.
          const distinctUsable = new Set(
            texts.map((t) => normalizeTip(cleanTip(t))).filter((k) => /[\p{L}\p{N}]/u.test(k)),
          );
          expect(out.length).toBe(Math.min(n, distinctUsable.size));
        },
      ),
    );
  });
});
