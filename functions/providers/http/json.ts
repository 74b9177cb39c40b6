import * as z from 'zod';
import { badResponse, countSchema, readBody } from '../failures.js';
import { defineAdapter, type Failure } from '../types.js';
import { JSON_POINTER, resolvePointer } from './pointer.js';

const pointerSchema = z
  .string()
  .regex(JSON_POINTER, { message: 'expected an RFC 6901 JSON Pointer such as "/data/online"' });

const credentialKey = z
  .string()
  .min(1)
  .describe("The property of the secret's JSON object that holds the credential.");

/** RFC 9110 token characters: anything else cannot be sent as a header name. */
const headerName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { message: 'expected an HTTP header name' });

const authSchema = z
  .discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('header'),
      name: headerName.describe('Header name.'),
      key: credentialKey,
    }),
    z.strictObject({
      type: z.literal('query'),
      name: z.string().min(1).describe('Query parameter name.'),
      key: credentialKey,
    }),
    z.strictObject({ type: z.literal('bearer'), key: credentialKey }),
  ])
  .describe('How the credential is sent: a header, a query parameter, or `Authorization: Bearer`.');

/** The figures a target reads, each at a JSON Pointer; `live` is every endpoint's field. */
const FIELDS = ['live', 'queued'] as const;

/** `GET {url}` with the credential as the target's `auth` says: any JSON stats endpoint, without code. */
export const json = defineAdapter({
  endpoint: 'http.json',
  provider: 'http',
  capabilities: { figures: ['queue'], discovery: false, projectTags: ['project'] },
  // The target names its whole URL.
  defaultBaseUrl: undefined,
  floorMs: 5_000,
  floorSource: 'the collector (a generic endpoint has no page of its own to set one)',
  targetShape: {
    url: z
      .url({ protocol: /^https?$/, message: 'expected an http(s) URL' })
      .describe('The whole URL of the JSON stats endpoint, query included.'),
    auth: authSchema,
    fields: z
      .strictObject({
        live: pointerSchema.describe('JSON Pointer to the live count.'),
        queued: pointerSchema.optional().describe('JSON Pointer to the count of users waiting.'),
      })
      .describe('Where the figures are in the answer: RFC 6901 JSON Pointers to non-negative integers.'),
    project: z.string().min(1).optional().describe("The `project` tag. Default: the URL's host."),
  },
  // The key is named by the target; `credentialsFor` asks for it.
  credentials: z.object({}),
  credentialsFor: (target) => z.object({ [target.auth.key]: z.string().min(1) }),
  project: (target) => target.project ?? new URL(target.url).host,
  checkTarget(target) {
    const problems: Array<{ key: string; message: string }> = [];
    if (target.baseUrl !== undefined) {
      problems.push({ key: 'baseUrl', message: 'not used by http.json: "url" is the whole address' });
    }
    const url = new URL(target.url);
    if (url.username !== '' || url.password !== '') {
      problems.push({
        key: 'url',
        message: 'carries credentials: put them in the secret and name them in "auth"',
      });
    }
    if (target.auth.type === 'query' && url.searchParams.has(target.auth.name)) {
      problems.push({
        key: 'url',
        message: `already has the query parameter "${target.auth.name}" that "auth" fills from the secret`,
      });
    }
    return problems;
  },
  request(target, credentials: Record<string, string>) {
    const url = new URL(target.url);
    const headers: Record<string, string> = { accept: 'application/json' };
    const credential = credentials[target.auth.key] as string;
    if (target.auth.type === 'header') headers[target.auth.name] = credential;
    else if (target.auth.type === 'query') url.searchParams.set(target.auth.name, credential);
    else headers.authorization = `Bearer ${credential}`;
    return { url, headers };
  },
  parse(response, target) {
    const read = readBody(response, z.unknown());
    if (!read.ok) return read;
    const ints: Record<string, number> = {};
    for (const field of FIELDS) {
      const pointer = target.fields[field];
      if (pointer === undefined) continue;
      const count = countAt(read.body, pointer, response.status);
      if (typeof count !== 'number') return { ok: false, failure: count };
      ints[field] = count;
    }
    return { ok: true, sample: { ints, strings: {} } };
  },
});

/** The count at `pointer`, or a `bad_response` naming the pointer (never echoing the value: it is foreign text). */
function countAt(body: unknown, pointer: string, status: number): number | Failure {
  const resolved = resolvePointer(body, pointer);
  if (!resolved.ok) return badResponse(status, `"${pointer}": ${resolved.reason}`);
  const count = countSchema.safeParse(resolved.value);
  if (count.success) return count.data;
  return badResponse(status, `"${pointer}": expected a non-negative integer, got ${kindOf(resolved.value)}`);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') {
    return Number.isInteger(value) ? (value < 0 ? 'a negative number' : 'a number too large') : 'a fraction';
  }
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
