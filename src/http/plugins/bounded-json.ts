import { StringDecoder } from 'node:string_decoder';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError, ValidationError } from '../../errors/app-errors.js';
import { JsonBoundsScanner, type TopLevelArray } from '../json-bounds.js';

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
        const problem = scanner.feed(piece);
        if (problem) {
          stop();
          done(
            new ValidationError([
              { loc: ['body', ...problem.path], msg: problem.message, type: problem.kind },
            ]),
            undefined,
          );
          return;
        }
        pieces.push(piece);
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
