import { StringDecoder } from 'node:string_decoder';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError, ValidationError } from '../../errors/app-errors.js';
import {
  type JsonBoundsProblem,
  JsonBoundsScanner,
  MAX_JSON_DEPTH,
  type TopLevelArray,
} from '../json-bounds.js';

/**
 * Replaces Fastify's `application/json` parser with one that reads the body as a stream and checks
 * its shape (json-bounds.ts) chunk by chunk as it arrives: a body that breaks a bound is refused before
 * it is complete, and nothing recursive (JSON.parse, zod, JSON.stringify in a refine) ever sees a body
 * nested deeper than MAX_JSON_DEPTH. The route's body limit is applied here, as Fastify would, and the
 * parsing itself is still Fastify's (with its prototype-poisoning protection).
 */
export const boundedJson = fp(
  async (app: FastifyInstance) => {
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', (request, payload, done) => {
      const limit = request.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit ?? 1024 * 1024;
      const declared = Number(request.headers['content-length']);
      if (declared > limit) {
        done(tooLarge(), undefined);
        return;
      }
      const scanner = new JsonBoundsScanner();
      const decoder = new StringDecoder('utf8');
      // Decoded as it arrives, so the scanner's offsets are offsets into the joined text.
      const pieces: string[] = [];
      let received = 0;
      // Small bodies (nearly every request) are scanned only if their bracket count could break the
      // depth bound: a body this short cannot hold an array over the item bound, and the char-by-char
      // scan was a visible share of a /score's CPU.
      let deferredChars = 0;
      let deferred = true;
      const stop = () => {
        payload.removeListener('data', onData);
        payload.removeListener('end', onEnd);
        payload.removeListener('error', onEnd);
      };
      function onData(chunk: Buffer | string) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        received += buf.length;
        if (received > limit) {
          stop();
          done(tooLarge(), undefined);
          return;
        }
        const piece = decoder.write(buf);
        pieces.push(piece);
        if (deferred) {
          deferredChars += piece.length;
          if (deferredChars <= DEFERRED_SCAN_MAX_CHARS) return;
          deferred = false;
          refuseIfBroken(scanner.feed(pieces.join('')));
        } else refuseIfBroken(scanner.feed(piece));
      }
      function refuseIfBroken(problem: JsonBoundsProblem | null): boolean {
        if (!problem) return false;
        stop();
        done(
          new ValidationError([{ loc: ['body', ...problem.path], msg: problem.message, type: problem.kind }]),
          undefined,
        );
        return true;
      }
      function onEnd(err?: Error) {
        stop();
        if (err) {
          done(new AppError('bad_request', 'the request body could not be read'), undefined);
          return;
        }
        if (!Number.isNaN(declared) && received !== declared) {
          done(new AppError('bad_request', 'the body length does not match Content-Length'), undefined);
          return;
        }
        pieces.push(decoder.end());
        const text = pieces.join('');
        if (deferred && mayBeTooDeep(text) && refuseIfBroken(scanner.feed(text))) return;
        const parseOne = (json: string): unknown => {
          let out: { err: Error | null; value?: unknown } = { err: null };
          parseJson(request, json, (err, value) => {
            out = { err, value };
          });
          if (out.err) throw out.err;
          return out.value;
        };
        const arrays = scanner.topLevelArrays;
        if (text.length >= SLICED_PARSE_MIN_CHARS && arrays.length === 1 && arrays[0]!.close > 0) {
          parseSliced(text, arrays[0]!, parseOne).then(
            (value) => done(null, value),
            (err: Error) => done(err, undefined),
          );
          return;
        }
        parseJson(request, text, done);
      }
      payload.on('data', onData);
      payload.on('end', onEnd);
      payload.on('error', onEnd);
      payload.resume();
    });
  },
  { name: 'bounded-json' },
);

/**
 * Bodies up to this many chars are scanned (json-bounds.ts) only when they end and only if
 * mayBeTooDeep: an array over MAX_JSON_ARRAY_ITEMS needs twice as many chars.
 */
const DEFERRED_SCAN_MAX_CHARS = 8192;

/** Whether the text holds as many opening brackets as the depth bound (in strings too: that only costs a scan). */
function mayBeTooDeep(text: string): boolean {
  let opens = 0;
  for (const bracket of ['{', '[']) {
    for (let i = text.indexOf(bracket); i >= 0; i = text.indexOf(bracket, i + 1)) {
      if (++opens >= MAX_JSON_DEPTH) return true;
    }
  }
  return false;
}

/** Below this a body is parsed at once (about a millisecond's work). */
const SLICED_PARSE_MIN_CHARS = 1024 * 1024;
/** Items parsed between two turns of the event loop. */
const ITEMS_PER_SLICE = 256;

/**
 * A large body whose top-level object holds one array (/score/batch's `requests`): the object around
 * the array is parsed first, then the array's items one by one, with a turn of the event loop every
 * ITEMS_PER_SLICE items, so a 64 MiB batch does not hold the loop for one multi-second JSON.parse.
 * Anything unusual (the key spelled with escapes, a repeated key) falls back to one parse of the whole.
 */
async function parseSliced(
  text: string,
  array: TopLevelArray,
  parseOne: (json: string) => unknown,
): Promise<unknown> {
  const outer = parseOne(text.slice(0, array.open + 1) + text.slice(array.close));
  const slot = (outer as Record<string, unknown> | null)?.[array.key];
  if (!Array.isArray(slot) || slot.length !== 0 || !Object.hasOwn(outer as object, array.key)) {
    return parseOne(text);
  }
  const bounds = [array.open, ...array.commas, array.close];
  const items = new Array<unknown>(bounds.length - 1);
  for (let i = 0; i < items.length; i++) {
    if (i > 0 && i % ITEMS_PER_SLICE === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    items[i] = parseOne(text.slice(bounds[i]! + 1, bounds[i + 1]!));
  }
  (outer as Record<string, unknown>)[array.key] = items;
  return outer;
}

function tooLarge(): AppError {
  return new AppError('payload_too_large', 'request body is too large');
}
