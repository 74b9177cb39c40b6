import { describe, expect, it } from 'vitest';
import { Scrubber } from '../../../functions/secrets/redact.js';

/** A scrubber that knows exactly these values. */
function redact(text: string, secrets: Iterable<string>): string {
  const scrubber = new Scrubber();
  for (const secret of secrets) scrubber.add(secret);
  return scrubber.scrub(text);
}

describe('Scrubber.addSecret', () => {
  /** The text as a scrubber that was given this one secret string leaves it. */
  const scrubbedWith = (secret: string, text: string) => {
    const scrubber = new Scrubber();
    scrubber.addSecret(secret);
    return scrubber.scrub(text);
  };

  it('hides every string of the secret JSON, however deep, and the secret string itself', () => {
    const secret = JSON.stringify({
      userId: 'user-0001',
      apikey: 'sp-key-7f3a9c',
      nested: { list: ['first-value', { deeper: 'second-value' }] },
    });
    expect(scrubbedWith(secret, `user-0001 sp-key-7f3a9c first-value second-value ${secret}`)).toBe(
      '*** *** *** *** ***',
    );
  });

  it('ignores values shorter than 4 characters, hides those of exactly 4', () => {
    expect(scrubbedWith(JSON.stringify({ a: 'abc', b: 'x', d: 'abcd' }), 'abc x abcd')).toBe('abc x ***');
  });

  it('ignores values that are not strings', () => {
    expect(scrubbedWith('{"port": 12345, "tls": true}', 'port 12345, tls true')).toBe('port 12345, tls true');
  });

  it('treats a secret that is not JSON as one value, trimmed', () => {
    expect(scrubbedWith('  sk_live_plain  \n', 'key sk_live_plain refused')).toBe('key *** refused');
  });
});

describe('redact', () => {
  it('replaces every occurrence of a raw secret', () => {
    expect(redact('key sk_live_abc failed; sk_live_abc again', ['sk_live_abc'])).toBe(
      'key *** failed; *** again',
    );
  });

  it('replaces the URL-encoded form of a secret', () => {
    const secret = 'k/y+z=1&2';
    const text = `GET /userStats/p1?apikey=${encodeURIComponent(secret)} failed`;
    const clean = redact(text, [secret]);
    expect(clean).toBe('GET /userStats/p1?apikey=*** failed');
    expect(clean).not.toContain(encodeURIComponent(secret));
  });

  it('replaces both forms in one text, for every secret', () => {
    const text = 'a:b@c raw, a%3Ab%40c encoded, user-0001 too';
    expect(redact(text, ['a:b@c', 'user-0001'])).toBe('*** raw, *** encoded, *** too');
  });

  it('leaves a text without secrets unchanged', () => {
    expect(redact('HTTP 401: Invalid User', ['sk_live_abc', 'user-0001'])).toBe('HTTP 401: Invalid User');
    expect(redact('anything', [])).toBe('anything');
  });

  it('hides the values of a JSON secret, not its key names', () => {
    const secret = JSON.stringify({ userId: 'user-0001', apikey: 'sp-key-7f3a9c' });
    const text = 'HTTP 401 for userId=user-0001&apikey=sp-key-7f3a9c (key abc)';
    const scrubber = new Scrubber();
    scrubber.addSecret(secret);
    expect(scrubber.scrub(text)).toBe('HTTP 401 for userId=***&apikey=*** (key abc)');
  });
});

describe('redact in query strings', () => {
  it('also hides the form URLSearchParams writes (space as +, ! as %21)', () => {
    const url = new URL('https://api.example/stats');
    url.searchParams.set('apikey', 'ab cd!ef');
    expect(redact(`failed: ${url}`, ['ab cd!ef'])).toBe('failed: https://api.example/stats?apikey=***');
  });
});
