import { describe, expect, it } from 'vitest';
import { connectionCount as imkitAdapter } from '../../../functions/providers/imkit/connectionCount.js';
import { usage as meteredAdapter } from '../../../functions/providers/metered/usage.js';
import { ADAPTERS, adapterFor } from '../../../functions/providers/registry.js';
import { liveStats } from '../../../functions/providers/streampixel/liveStats.js';
import { userStats } from '../../../functions/providers/streampixel/userStats.js';
import type { AnyAdapter, BaseTarget } from '../../../functions/providers/types.js';

// Held as the registry holds them: their own types cannot spell a target of an endpoint that adds no keys.
const connectionCount: AnyAdapter = imkitAdapter;
const usage: AnyAdapter = meteredAdapter;

const PROXY = 'http://127.0.0.1:9/proxy/';

function target<T extends object>(extra: T): BaseTarget & T {
  return {
    name: 't1',
    endpoint: 'x',
    secret: 's1',
    interval: 10_000,
    timeout: 10_000,
    tags: {},
    ...extra,
  };
}

/** Every header of a request, looked up the way HTTP does: case-insensitively. */
function headersOf(request: { headers: Record<string, string> }): Headers {
  return new Headers(request.headers);
}

describe('registry', () => {
  it('lists each endpoint id once, under its provider, the four of the data contract first', () => {
    const ids = ADAPTERS.map((adapter) => adapter.endpoint);
    expect(new Set(ids).size).toBe(ids.length);
    for (const adapter of ADAPTERS) expect(adapter.endpoint.startsWith(`${adapter.provider}.`)).toBe(true);
    expect(ADAPTERS.slice(0, 4).map((adapter) => [adapter.endpoint, adapter.provider])).toEqual([
      ['streampixel.liveStats', 'streampixel'],
      ['streampixel.userStats', 'streampixel'],
      ['imkit.connectionCount', 'imkit'],
      ['metered.usage', 'metered'],
    ]);
  });

  it('finds an adapter by endpoint id and refuses an unknown one', () => {
    expect(adapterFor('metered.usage')).toBe(meteredAdapter);
    expect(() => adapterFor('metered.usag')).toThrow('metered.usag');
  });

  it('knows the production hosts, and none for IMKit (each customer has its own)', () => {
    expect(liveStats.defaultBaseUrl).toBe('https://api.streampixel.io');
    expect(userStats.defaultBaseUrl).toBe('https://api.streampixel.io');
    expect(connectionCount.defaultBaseUrl).toBeUndefined();
    expect(usage.defaultBaseUrl).toBe('https://rms.metered.ca');
  });
});

describe('streampixel.liveStats request', () => {
  it('GETs /pixelStripeApi/projects/liveStats/{projectId}?userId=… on the production host', () => {
    const request = liveStats.request(
      target({ projectId: 'p1' }),
      { userId: 'u1' },
      'https://api.streampixel.io',
    );
    expect(request.url.href).toBe(
      'https://api.streampixel.io/pixelStripeApi/projects/liveStats/p1?userId=u1',
    );
  });

  it('sends no credential in a header', () => {
    const request = liveStats.request(
      target({ projectId: 'p1' }),
      { userId: 'u1' },
      'https://api.streampixel.io',
    );
    expect(request.headers).toEqual({ accept: 'application/json' });
  });

  it('keeps the path prefix of a baseUrl, with or without a trailing slash', () => {
    for (const base of [PROXY, 'http://127.0.0.1:9/proxy']) {
      const request = liveStats.request(target({ projectId: 'p1' }), { userId: 'u1' }, base);
      expect(request.url.href).toBe(
        'http://127.0.0.1:9/proxy/pixelStripeApi/projects/liveStats/p1?userId=u1',
      );
    }
  });

  it('encodes a project id into one path segment', () => {
    const request = liveStats.request(
      target({ projectId: 'a b/c?d#e&f' }),
      { userId: 'u1' },
      'https://api.streampixel.io',
    );
    expect(request.url.pathname).toBe('/pixelStripeApi/projects/liveStats/a%20b%2Fc%3Fd%23e%26f');
    expect(request.url.hash).toBe('');
    expect([...request.url.searchParams.keys()]).toEqual(['userId']);
  });

  it('encodes a non-ASCII project id as UTF-8', () => {
    const request = liveStats.request(
      target({ projectId: 'é' }),
      { userId: 'u1' },
      'https://api.streampixel.io',
    );
    expect(request.url.pathname).toBe('/pixelStripeApi/projects/liveStats/%C3%A9');
  });

  it('encodes a userId so that it stays one query value', () => {
    const request = liveStats.request(
      target({ projectId: 'p1' }),
      { userId: 'u 1&apikey=x+y' },
      'https://api.streampixel.io',
    );
    expect(request.url.search).toBe('?userId=u+1%26apikey%3Dx%2By');
    expect([...request.url.searchParams.entries()]).toEqual([['userId', 'u 1&apikey=x+y']]);
  });

  it('names the project id as its project tag', () => {
    expect(liveStats.project(target({ projectId: '64f1c0ffee0001' }))).toBe('64f1c0ffee0001');
  });
});

describe('streampixel.userStats request', () => {
  const credentials = { userId: 'u1', apikey: 'k1' };

  it('GETs /pixelStripeApi/projects/userStats/{projectId}?userId=…&apikey=… with an all-lowercase apikey', () => {
    const request = userStats.request(target({ projectId: 'p1' }), credentials, 'https://api.streampixel.io');
    expect(request.url.href).toBe(
      'https://api.streampixel.io/pixelStripeApi/projects/userStats/p1?userId=u1&apikey=k1',
    );
    expect(request.url.searchParams.has('apiKey')).toBe(false);
  });

  it('sends the key only in the query, not in a header', () => {
    const request = userStats.request(target({ projectId: 'p1' }), credentials, 'https://api.streampixel.io');
    expect(request.headers).toEqual({ accept: 'application/json' });
  });

  it('keeps the path prefix of a baseUrl', () => {
    const request = userStats.request(target({ projectId: 'p1' }), credentials, PROXY);
    expect(request.url.href).toBe(
      'http://127.0.0.1:9/proxy/pixelStripeApi/projects/userStats/p1?userId=u1&apikey=k1',
    );
  });

  it('encodes the project id and both query values', () => {
    const request = userStats.request(
      target({ projectId: 'p 1/2' }),
      { userId: 'u&1', apikey: 'k=1 2' },
      'https://api.streampixel.io',
    );
    expect(request.url.pathname).toBe('/pixelStripeApi/projects/userStats/p%201%2F2');
    expect([...request.url.searchParams.entries()]).toEqual([
      ['userId', 'u&1'],
      ['apikey', 'k=1 2'],
    ]);
  });
});

describe('imkit.connectionCount request', () => {
  it('GETs {app host}/admin/connection-count with the key in IM-API-KEY', () => {
    const request = connectionCount.request(
      target({ baseUrl: 'https://acme.imkit.io' }),
      { apiKey: 'imk-1' },
      'https://acme.imkit.io',
    );
    expect(request.url.href).toBe('https://acme.imkit.io/admin/connection-count');
    expect(headersOf(request).get('IM-API-KEY')).toBe('imk-1');
    expect(request.url.search).toBe('');
  });

  it('keeps the path prefix of a baseUrl', () => {
    for (const base of [PROXY, 'http://127.0.0.1:9/proxy']) {
      const request = connectionCount.request(target({ baseUrl: base }), { apiKey: 'imk-1' }, base);
      expect(request.url.href).toBe('http://127.0.0.1:9/proxy/admin/connection-count');
    }
  });

  it('names the app host as its project tag, and none without a baseUrl', () => {
    expect(connectionCount.project(target({ baseUrl: 'https://acme.imkit.io' }))).toBe('acme.imkit.io');
    expect(connectionCount.project(target({}))).toBeUndefined();
  });
});

describe('metered.usage request', () => {
  it('GETs /v1/usage with Authorization: Bearer sk_…, and no app id in the path', () => {
    const request = usage.request(target({}), { secretKey: 'sk_live_abc' }, 'https://rms.metered.ca');
    expect(request.url.href).toBe('https://rms.metered.ca/v1/usage');
    expect(headersOf(request).get('Authorization')).toBe('Bearer sk_live_abc');
  });

  it('keeps the path prefix of a baseUrl', () => {
    const request = usage.request(target({}), { secretKey: 'sk_live_abc' }, PROXY);
    expect(request.url.href).toBe('http://127.0.0.1:9/proxy/v1/usage');
  });

  it('has no project tag before the response names the appId', () => {
    expect(usage.project(target({}))).toBeUndefined();
  });
});

describe('every adapter', () => {
  const cases: { adapter: AnyAdapter; extra: object; credentials: Record<string, string> }[] = [
    { adapter: liveStats, extra: { projectId: 'p1' }, credentials: { userId: 'u-secret-1' } },
    {
      adapter: userStats,
      extra: { projectId: 'p1' },
      credentials: { userId: 'u-secret-1', apikey: 'k-secret-1' },
    },
    {
      adapter: connectionCount,
      extra: { baseUrl: 'https://acme.imkit.io' },
      credentials: { apiKey: 'k-secret-1' },
    },
    { adapter: usage, extra: {}, credentials: { secretKey: 'sk_secret_1' } },
  ];

  for (const { adapter, extra, credentials } of cases) {
    it(`${adapter.endpoint} asks for JSON`, () => {
      const request = adapter.request(target(extra), credentials, PROXY);
      expect(headersOf(request).get('accept')).toBe('application/json');
      expect(request.url.protocol).toBe('http:');
      expect(request.url.host).toBe('127.0.0.1:9');
    });

    it(`${adapter.endpoint} accepts exactly its documented credential keys`, () => {
      expect(adapter.credentials.safeParse(credentials).success).toBe(true);
      expect(adapter.credentials.safeParse({}).success).toBe(false);
    });
  }
});
