/**
 * GET /openapi.json: an OpenAPI 3.0 description of every route `ner serve`
 * answers (server.ts ROUTES; a test holds the two equal), with the request
 * and response schemas of the JSON API.
 */
import { NER_VERSION } from '../version';

const error = { $ref: '#/components/responses/Error' };
const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const SCHEMAS = {
  PredictRequest: {
    description:
      'Raw text (split into lines, then sentences), raw sentences (one each, tokenized), or sentences already tokenized (tokens without spaces or control characters).',
    oneOf: [
      { type: 'object', required: ['text'], properties: { text: { type: 'string' } } },
      {
        type: 'object',
        required: ['sentences'],
        properties: {
          sentences: {
            oneOf: [
              { type: 'array', items: { type: 'string' } },
              { type: 'array', items: { type: 'array', items: { type: 'string', minLength: 1, pattern: '^[^\\s\\u0000-\\u001F]+$' } } },
            ],
          },
        },
      },
    ],
  },
  Entity: {
    type: 'object',
    required: ['type', 'start', 'end', 'text', 'charStart', 'charEnd'],
    properties: {
      type: { type: 'string', example: 'PER' },
      start: { type: 'integer', description: 'first token index' },
      end: { type: 'integer', description: 'one past the last token index' },
      text: { type: 'string', description: 'the entity as written in the input' },
      charStart: { type: 'integer', description: 'UTF-16 offset of its first character in the line (or in the tokens joined by single spaces)' },
      charEnd: { type: 'integer', description: 'exclusive' },
      confidence: { type: 'number', minimum: 0, maximum: 1 },
    },
  },
  TaggedSentence: {
    type: 'object',
    description: 'One record of `ner predict --output-format json`.',
    required: ['tokens', 'tags', 'entities'],
    properties: {
      line: { type: 'integer', description: 'the 1-based input line, for "text"' },
      tokens: { type: 'array', items: { type: 'string' } },
      tags: { type: 'array', items: { type: 'string' } },
      entities: { type: 'array', items: ref('Entity') },
    },
    additionalProperties: true,
  },
  ModelInfo: {
    type: 'object',
    description: 'The model metadata without its vocabularies, file paths reduced to file names.',
    properties: {
      scheme: { type: 'string' },
      tags: { type: 'array', items: { type: 'string' } },
      vocabularySize: { type: 'integer' },
      savedAt: { type: 'string', format: 'date-time' },
      shape: { type: 'object' },
      training: { type: 'object' },
    },
    additionalProperties: true,
  },
  Status: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok', 'ready', 'starting', 'draining'] } } },
  Error: { type: 'object', required: ['error'], properties: { error: { type: 'string' } } },
};

function operations(): Record<string, Record<string, object>> {
  const file = (summary: string, type: string) => ({
    get: { summary, responses: { 200: { description: summary, content: { [type]: { schema: { type: 'string', format: type.startsWith('text/') ? undefined : 'binary' } } } }, 404: error } },
  });
  return {
    '/': { get: { summary: 'A page that highlights the entities of pasted text', responses: { 200: { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } } } } },
    '/ner.js': file('The browser bundle the page runs the model with', 'text/javascript'),
    '/favicon.ico': { get: { summary: 'No icon', responses: { 204: { description: 'empty' } } } },
    '/model/model.json': file("The model's topology and weight manifest (tfjs)", 'application/json'),
    '/model/weights.bin': file("The model's weights", 'application/octet-stream'),
    '/model/metadata.json': file("The model's vocabularies, tags and training summary, file paths reduced to file names", 'application/json'),
    '/api/model': { get: { summary: 'Tags, scheme, shape and training summary, without the vocabularies', responses: { 200: json(ref('ModelInfo'), 'the model') } } },
    '/api/predict': {
      post: {
        summary: 'Tag text or sentences',
        requestBody: { required: true, content: { 'application/json': { schema: ref('PredictRequest') } } },
        responses: {
          200: json({ type: 'array', items: ref('TaggedSentence') }, 'the records, in the order of the input'),
          400: error,
          413: { description: 'the body is over 1 MiB, or holds more tokens than --max-request-tokens', content: { 'application/json': { schema: ref('Error') } } },
          422: error,
          503: {
            description: 'the queue is full (with Retry-After), or the request was not answered within --request-timeout-ms',
            headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'seconds; sent when the queue is full' } },
            content: { 'application/json': { schema: ref('Error') } },
          },
        },
      },
    },
    '/healthz': { get: { summary: 'Liveness: 200 while the process runs', responses: { 200: json(ref('Status'), '{"status": "ok"}') } } },
    '/readyz': {
      get: {
        summary: 'Readiness: 200 once the model can tag and the server listens; 503 while starting and while draining',
        responses: { 200: json(ref('Status'), '{"status": "ready"}'), 503: json(ref('Status'), '{"status": "starting"} or {"status": "draining"}') },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics (text exposition format 0.0.4)',
        responses: { 200: { description: 'metrics', content: { 'text/plain; version=0.0.4': { schema: { type: 'string' } } } } },
      },
    },
    '/openapi.json': { get: { summary: 'This document', responses: { 200: json({ type: 'object' }, 'OpenAPI 3.0') } } },
  };
}

/** The document; with `cors`, every path also has its OPTIONS preflight. */
export function openApiDocument(options: { cors?: boolean } = {}): object {
  const paths = operations();
  if (options.cors) {
    for (const ops of Object.values(paths)) ops.options = { summary: 'CORS preflight (with --cors)', responses: { 204: { description: 'the allowed methods and headers' } } };
  }
  return {
    openapi: '3.0.3',
    info: { title: 'ner serve', version: NER_VERSION, description: 'Named-entity recognition over HTTP: a BiLSTM-CRF model trained with ner train.' },
    paths,
    components: {
      schemas: SCHEMAS,
      responses: { Error: { description: 'what went wrong', content: { 'application/json': { schema: ref('Error') } } } },
    },
  };
}
