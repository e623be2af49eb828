import { StringDecoder } from 'node:string_decoder';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError, ValidationError } from '../../errors/app-errors.js';
import { JsonBoundsScanner } from '../json-bounds.js';

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
      const chunks: Buffer[] = [];
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
        const problem = scanner.feed(decoder.write(buf));
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
        chunks.push(buf);
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
        const text =
          chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
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

function tooLarge(): AppError {
  return new AppError('payload_too_large', 'request body is too large');
}
