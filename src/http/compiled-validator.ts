import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';
import type { FastifyRouteSchemaDef } from 'fastify/types/schema.js';
import { z } from 'zod';
import { zodValidatorCompiler } from './zod-validator.js';

/**
 * What JSON Schema cannot say about a zod schema (its `.refine`/`.superRefine` checks), as a predicate
 * over a body the JSON Schema already accepted. It must hold exactly when zod's refinements do; the
 * validator-equivalence property test holds both to that.
 */
export type Refinements = (body: never) => boolean;

/** The JSON Schema of a zod schema's input, as the compiled path checks it. */
export function inputJsonSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: 'input', target: 'draft-7', unrepresentable: 'throw' }) as Record<
    string,
    unknown
  >;
}

/**
 * Compiles zod schemas to ajv validators for the hot routes. zod stays the one source of shapes: the
 * JSON Schema is derived from it, and a body the compiled check refuses is parsed by zod again so that
 * the 422's detail is the same as on every other route (refusals are rare; acceptance is what is fast).
 */
export class CompiledValidation {
  private readonly ajv = new Ajv({
    // String lengths: ajv and zod both count code points (the property test caught `unicode: false`).
    // Its only message here would be about zod's `example` keyword, once per route.
    logger: false,
    // The `pattern` zod emits for timestamps is its own regex; ajv's `date-time` format is another rule.
    validateFormats: false,
    coerceTypes: false,
    useDefaults: false,
    removeAdditional: false,
    allErrors: false,
    strict: false,
  });

  /** A validator compiler for one route: the body compiled, other parts (params, query) by zod. */
  // Generic in the route's schema type only because Fastify types a route's compiler by its schema map;
  // what arrives per part is that part's zod schema.
  compiler<RouteSchema>(refinements: Refinements): FastifySchemaCompiler<RouteSchema> {
    return (part) => {
      const route = part as unknown as FastifyRouteSchemaDef<z.ZodType>;
      if (route.httpPart !== 'body') return zodValidatorCompiler(route);
      const check = this.compile(route.schema, refinements);
      const slow = zodValidatorCompiler(route);
      return (data) => (check(data) ? { value: data } : slow(data));
    };
  }

  /** Accept/reject only: true exactly when the zod schema accepts `data` (the property test's subject). */
  compile(schema: z.ZodType, refinements: Refinements): (data: unknown) => boolean {
    const validate: ValidateFunction = this.ajv.compile(inputJsonSchema(schema));
    return (data) => validate(data) && refinements(data as never);
  }
}
