import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../functions/config/errors.js';
import { parseConfig } from '../../../functions/config/load.js';
import type { Target } from '../../../functions/config/schema.js';
import { resolvePointer } from '../../../functions/providers/http/pointer.js';
import { adapterFor } from '../../../functions/providers/registry.js';
import { credentialsSchemaOf } from '../../../functions/providers/types.js';
import { parseCredentials } from '../../../functions/secrets/credentials.js';

const adapter = adapterFor('http.json');

/** The target of the issue, word for word. */
const ROOMS = {
  name: 'rooms',
  endpoint: 'http.json',
  url: 'https://api.example.com/v1/stats?app=abc',
  secret: 'collector/example',
  auth: { type: 'header', name: 'X-Api-Key', key: 'apiKey' },
  fields: { live: '/data/online', queued: '/data/waiting' },
  project: 'abc',
  interval: '30s',
};

function configOf(target: Record<string, unknown>) {
  return { influx: { url: 'http://127.0.0.1:8086', bucket: 'b' }, targets: [target] };
}

function targetOf(changes: Record<string, unknown> = {}): Target {
  return parseConfig(configOf({ ...ROOMS, ...changes })).targets[0] as Target;
}

function problemsOf(target: Record<string, unknown>): string[] {
  try {
    parseConfig(configOf(target));
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

const answer = (body: unknown, status = 200) => ({
  status,
  headers: new Headers({ 'content-type': 'application/json' }),
  body: JSON.stringify(body),
});

describe('http.json configuration', () => {
  it("accepts the issue's target, tagged provider http, endpoint http.json, its project as given", () => {
    const target = targetOf();
    expect(target.interval).toBe(30_000);
    expect(adapter.provider).toBe('http');
    expect(adapter.project(target)).toBe('abc');
  });

  it("defaults the project to the URL's host (port included)", () => {
    const { project: _project, ...rest } = ROOMS;
    const withoutProject = (url: string) => parseConfig(configOf({ ...rest, url })).targets[0] as Target;
    expect(adapter.project(withoutProject('http://127.0.0.1:8080/stats'))).toBe('127.0.0.1:8080');
    expect(adapter.project(withoutProject(ROOMS.url))).toBe('api.example.com');
  });

  it('keeps a 5 s floor', () => {
    expect(problemsOf({ ...ROOMS, interval: '5s' })).toEqual([]);
    expect(problemsOf({ ...ROOMS, interval: '4s' })[0]).toMatch(/^targets\[0\]\.interval: .*5 s floor/);
  });

  it.each([
    [{ fields: { live: 'data/online' } }, /^targets\[0\]\.fields\.live: expected an RFC 6901 JSON Pointer/],
    [{ fields: { live: '/a', queued: '/a~2' } }, /^targets\[0\]\.fields\.queued: expected an RFC 6901/],
    [{ fields: { queued: '/a' } }, /^targets\[0\]\.fields\.live: /],
    [{ fields: { live: '/a', peak: '/b' } }, /^targets\[0\]\.fields: unknown key "peak"/],
    [{ auth: { type: 'cookie', key: 'k' } }, /^targets\[0\]\.auth\.type: /],
    [{ auth: { type: 'header', key: 'k' } }, /^targets\[0\]\.auth\.name: /],
    [
      { auth: { type: 'header', name: 'X Key', key: 'k' } },
      /^targets\[0\]\.auth\.name: expected an HTTP header/,
    ],
    [{ auth: { type: 'bearer', name: 'x' } }, /^targets\[0\]\.auth\.key: /],
    [{ url: 'ftp://example.com/stats' }, /^targets\[0\]\.url: expected an http\(s\) URL/],
    [{ url: 'https://user:pw@example.com/stats' }, /^targets\[0\]\.url: carries credentials/],
    [
      { url: 'https://example.com/stats?key=1', auth: { type: 'query', name: 'key', key: 'k' } },
      /^targets\[0\]\.url: already has the query parameter "key"/,
    ],
    [{ baseUrl: 'https://example.com' }, /^targets\[0\]\.baseUrl: not used by http\.json/],
  ])('refuses %j, naming the key', (changes, problem) => {
    const problems = problemsOf({ ...ROOMS, ...changes });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatch(problem);
    // The URL's password is never repeated.
    for (const line of problems) expect(line).not.toContain('pw@');
  });
});

describe('http.json request', () => {
  const credentials = { apiKey: 'k-123', other: 'x' };

  it('sends the credential in the named header', () => {
    const request = adapter.request(targetOf(), credentials, undefined);
    expect(request.url.href).toBe('https://api.example.com/v1/stats?app=abc');
    expect(new Headers(request.headers).get('x-api-key')).toBe('k-123');
    expect(new Headers(request.headers).get('authorization')).toBeNull();
  });

  it('sends it as a query parameter, keeping the query of the URL', () => {
    const target = targetOf({ auth: { type: 'query', name: 'token', key: 'apiKey' } });
    const request = adapter.request(target, credentials, undefined);
    expect(request.url.searchParams.get('app')).toBe('abc');
    expect(request.url.searchParams.get('token')).toBe('k-123');
    expect(Object.keys(request.headers)).toEqual(['accept']);
  });

  it('sends it as a bearer token', () => {
    const target = targetOf({ auth: { type: 'bearer', key: 'apiKey' } });
    const request = adapter.request(target, credentials, undefined);
    expect(new Headers(request.headers).get('authorization')).toBe('Bearer k-123');
  });

  it('asks the secret for the key the target names, and says which one is missing without echoing a value', () => {
    const target = targetOf({ auth: { type: 'bearer', key: 'token' } });
    const schema = credentialsSchemaOf(adapter, target);
    expect(parseCredentials('s', JSON.stringify({ token: 't-1' }), schema)).toEqual({ token: 't-1' });
    expect(() => parseCredentials('s', JSON.stringify({ apiKey: 'k-123' }), schema)).toThrow(
      'secret "s": key "token" is missing',
    );
    expect(() => parseCredentials('s', JSON.stringify({ token: '' }), schema)).toThrow(/key "token" must be/);
  });
});

describe('http.json answer', () => {
  it('reads live and queued at their pointers', () => {
    const parsed = adapter.parse(answer({ data: { online: 42, waiting: 3 } }), targetOf());
    expect(parsed).toEqual({ ok: true, sample: { ints: { live: 42, queued: 3 }, strings: {} } });
  });

  it('writes no queued field when the target maps none', () => {
    const target = targetOf({ fields: { live: '/n' } });
    expect(adapter.parse(answer({ n: 7, waiting: 3 }), target)).toEqual({
      ok: true,
      sample: { ints: { live: 7 }, strings: {} },
    });
  });

  it('follows escaped tokens and array indices, and the whole body for ""', () => {
    const body = { 'a/b': { 'm~n': [5, { c: 9 }] } };
    expect(adapter.parse(answer(body), targetOf({ fields: { live: '/a~1b/m~0n/1/c' } }))).toMatchObject({
      ok: true,
      sample: { ints: { live: 9 } },
    });
    expect(adapter.parse(answer(17), targetOf({ fields: { live: '' } }))).toMatchObject({
      ok: true,
      sample: { ints: { live: 17 } },
    });
  });

  it.each([
    [{ data: { online: 1, waiting: [] } }, '"/data/waiting": expected a non-negative integer, got an array'],
    [{ data: [1] }, '"/data/online": /data has no element "online"'],
    [{ data: { online: { n: 1 } } }, '"/data/online": expected a non-negative integer, got an object'],
    [{ data: { online: true } }, '"/data/online": expected a non-negative integer, got a boolean'],
    [{ data: null }, '"/data/online": /data has no member "online"'],
  ])('turns %j into bad_response naming the pointer', (body, message) => {
    const parsed = adapter.parse(answer(body), targetOf());
    expect(parsed).toEqual({
      ok: false,
      failure: { outcome: 'bad_response', httpStatus: 200, message, retryable: false },
    });
  });

  it('resolves "-" and out-of-range indices to nothing, and never an inherited member', () => {
    expect(resolvePointer([1, 2], '/-')).toEqual({ ok: false, reason: 'the body has no element "-"' });
    expect(resolvePointer([1, 2], '/2').ok).toBe(false);
    expect(resolvePointer([1, 2], '/01').ok).toBe(false);
    expect(resolvePointer({}, '/constructor').ok).toBe(false);
    expect(resolvePointer({ '': 3 }, '/')).toEqual({ ok: true, value: 3 });
  });
});
