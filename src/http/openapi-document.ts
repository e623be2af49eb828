/**
 * The last step of the OpenAPI document, after the zod schemas became JSON Schema: what a generated
 * client needs beyond the shapes, and what Fastify adds to every route without the route saying so.
 *
 * - every status an operation can answer, each with the contract's error body: 400/413/415/422 where a
 *   JSON body is read (Fastify's parser and our bounds), 400/422 where the path or query is validated,
 *   500 and 503 (shutting down, overloaded, store unavailable) everywhere; the routes declare their own
 *   (401, 404, 502, 504);
 * - a description per status instead of Fastify's "Default Response";
 * - `security` on every operation (none but on /reset, whose route names the bearer scheme);
 * - /score/batch items: validated one by one at run time (an invalid item gets its own error result),
 *   so the zod schema says `unknown`; the document says what an item must be;
 * - only the components the paths use, under the names the routes' schemas gave them.
 */

type Json = Record<string, unknown>;

const ERROR_REF = { $ref: '#/components/schemas/Error' };

const STATUS_TEXT: Record<string, string> = {
  '200': 'OK',
  '400': 'Malformed request: JSON that does not parse, an empty body, an undecodable URL (`bad_request`)',
  '401': 'No valid admin bearer token (`unauthorized`)',
  '404': 'Unknown route (`not_found`), event (`event_not_found`) or agent',
  '413':
    'Body larger than the route allows: BODY_LIMIT, or BATCH_BODY_LIMIT on /score/batch (`payload_too_large`)',
  '415': 'Content-Type is not application/json (`unsupported_media_type`)',
  '422':
    'Validation failed (`validation_error`, with `detail`): a field, a bound (docs/input-bounds.md), JSON nested deeper than 64 levels or an array over 10,000 items, or a reward that would make the state unusable',
  '500': 'Unexpected failure (`internal_error`, no stack trace)',
  '502': 'The LiteLLM gateway failed or answered no usable reply (`upstream_error`)',
  '503':
    'Overloaded (`overloaded`, with Retry-After), the state store unavailable (`store_unavailable`), or shutting down',
  '504': 'The gateway did not answer within GENERATE_TIMEOUT_MS (`upstream_timeout`)',
};

const BODY_STATUSES = ['400', '413', '415', '422'];
const PARAM_STATUSES = ['400', '422'];
const EVERY_OPERATION = ['500', '503'];
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

export function finishDocument(doc: Json): Json {
  const paths = doc.paths as Record<string, Record<string, Json>>;
  for (const item of Object.values(paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (op) finishOperation(op);
    }
  }
  describeBatchItems((doc.components as Json).schemas as Record<string, Json>);
  return keepUsedComponents(doc);
}

function finishOperation(op: Json): void {
  op.security ??= [];
  const responses = (op.responses ?? {}) as Record<string, Json>;
  const parameters = (op.parameters ?? []) as Json[];
  const wanted = [
    ...(op.requestBody ? BODY_STATUSES : []),
    ...(parameters.length > 0 ? PARAM_STATUSES : []),
    ...((op.security as unknown[]).length > 0 ? ['401'] : []),
    ...EVERY_OPERATION,
  ];
  for (const status of wanted) {
    responses[status] ??= { description: '', content: { 'application/json': { schema: ERROR_REF } } };
  }
  // A route's own failure body (GET /ready's 503 `{ ready: false, reasons }`) can still meet the error
  // handler's (overloaded, shutting down): the document says either may come.
  for (const [status, response] of Object.entries(responses)) {
    const media = (response.content as Record<string, Json> | undefined)?.['application/json'];
    if (Number(status) >= 400 && media && media.schema !== ERROR_REF && !isErrorRef(media.schema)) {
      media.schema = { oneOf: [media.schema, ERROR_REF] };
      response.description ||= `${STATUS_TEXT[status] ?? 'See the contract'}; or the route's own answer`;
    }
  }
  for (const [status, response] of Object.entries(responses)) {
    if (!response.description || response.description === 'Default Response') {
      response.description = STATUS_TEXT[status] ?? 'See the contract';
    }
  }
  if (responses['503']) {
    responses['503'].headers = {
      'Retry-After': { description: 'Seconds to wait (when overloaded)', schema: { type: 'integer' } },
    };
  }
  // Sorted by status, as a reader expects.
  op.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
}

function isErrorRef(schema: unknown): boolean {
  return (schema as Json | undefined)?.$ref === ERROR_REF.$ref;
}

function describeBatchItems(schemas: Record<string, Json>): void {
  for (const name of ['ScoreBatchRequestInput', 'ScoreBatchRequest']) {
    const requests = (schemas[name]?.properties as Record<string, Json> | undefined)?.requests;
    if (!requests) continue;
    requests.items = { $ref: '#/components/schemas/ScoreRequestInput' };
    requests.description =
      "Score bodies of the policy's score endpoint (egreedy_v2 also needs `profile_features`); each is " +
      'validated on its own and an invalid one gets an error object in `results`, the others are scored';
  }
}

/**
 * The zod provider emits every registered schema twice (as input and as output); the document keeps
 * those the paths reach, and an input schema with no output twin loses its `Input` suffix.
 */
function keepUsedComponents(doc: Json): Json {
  const components = doc.components as Json;
  const schemas = components.schemas as Record<string, Json>;
  const used = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/')) {
        const name = value.slice('#/components/schemas/'.length);
        if (!used.has(name)) {
          used.add(name);
          visit(schemas[name]);
        }
      } else visit(value);
    }
  };
  visit(doc.paths);
  const renamed = new Map<string, string>();
  for (const name of used) {
    if (name.endsWith('Input') && !used.has(name.slice(0, -5))) renamed.set(name, name.slice(0, -5));
  }
  const kept: Record<string, Json> = {};
  for (const name of [...used].sort()) kept[renamed.get(name) ?? name] = schemas[name]!;
  components.schemas = kept;
  const text = JSON.stringify(doc).replace(/"#\/components\/schemas\/(\w+)"/g, (m, name: string) =>
    renamed.has(name) ? `"#/components/schemas/${renamed.get(name)}"` : m,
  );
  return JSON.parse(text) as Json;
}
