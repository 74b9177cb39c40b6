import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { logfmt } from '../../../functions/cli/logfmt.js';
import { shortMessage } from '../../../functions/providers/failures.js';
import { Scrubber, SLICE_LENGTH } from '../../../functions/secrets/redact.js';

/** Characters that trip naive scrubbers: white space that gets collapsed, regex metacharacters, quotes. */
const TRICKY = [
  ' ',
  '  ',
  '\t',
  '\n',
  '.',
  '*',
  '+',
  '?',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '|',
  '^',
  '$',
  '\\',
  '"',
  "'",
  '%',
  '&',
  '=',
  ':',
];
const secretChar = fc.oneof(
  fc.constantFrom(...TRICKY),
  fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEF0123456789-_'),
);
const secret = fc.string({ unit: secretChar, minLength: 8, maxLength: 48 });

/** Secrets of a run: some independent, one the prefix of another, one inside another. */
const secrets = fc.tuple(secret, secret, fc.nat(), fc.nat()).map(([a, b, cut, start]) => {
  const prefix = a.slice(0, Math.max(SLICE_LENGTH + 2, cut % a.length));
  const from = start % Math.max(1, b.length - SLICE_LENGTH - 2);
  const inner = b.slice(from, from + SLICE_LENGTH + 2);
  return [a, b, prefix, inner].filter((value) => value.length >= SLICE_LENGTH + 2);
});

/** A long error body of filler text with the secrets (and their base64 Basic form) echoed at random places. */
function bodyOf(values: string[], filler: string[], positions: number[]): string {
  const parts = [...filler];
  values.forEach((value, index) => {
    const at = (positions[index] ?? 0) % (parts.length + 1);
    parts.splice(at, 0, index % 2 === 0 ? value : `Token ${value}`);
  });
  parts.push(`Basic ${Buffer.from(`${values[0]}:${values[1]}`).toString('base64')}`);
  return parts.join(' ');
}

/** Every output a message can reach: the `error` field (scrubbed, collapsed, cut), and a logfmt line. */
function outputsOf(scrubber: Scrubber, body: string): string[] {
  const clean = scrubber.scrub(body);
  return [clean, shortMessage(clean), logfmt({ error: clean }), logfmt({ error: shortMessage(clean) })];
}

describe('the scrubber, with random secrets echoed in long error bodies', () => {
  it('lets no secret, nor any 6-character slice of one, into any output', () => {
    fc.assert(
      fc.property(
        secrets,
        fc.array(fc.string({ minLength: 1, maxLength: 40 }), { minLength: 5, maxLength: 30 }),
        fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
        (values, filler, positions) => {
          const scrubber = new Scrubber();
          scrubber.addSecret(
            JSON.stringify({ userId: values[0], apikey: values[1], extra: values.slice(2) }),
          );
          scrubber.add(Buffer.from(`${values[0]}:${values[1]}`).toString('base64'));
          const body = bodyOf(values, filler, positions);
          for (const output of outputsOf(scrubber, body)) {
            for (const value of values) {
              expect(output).not.toContain(value);
              for (let at = 0; at + SLICE_LENGTH <= value.length; at++) {
                const slice = value.slice(at, at + SLICE_LENGTH);
                expect(output.includes(slice), `slice ${JSON.stringify(slice)} in ${output}`).toBe(false);
              }
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('hides the longer of two secrets entirely when the shorter is its prefix', () => {
    const scrubber = new Scrubber();
    scrubber.addSecret(JSON.stringify({ userId: 'acct-4711', apikey: 'acct-4711-key-9f8e7d' }));
    expect(scrubber.scrub('401: bad key acct-4711-key-9f8e7d')).toBe('401: bad key ***');
  });

  it('hides a key with two spaces or a tab, and one that straddles the cut', () => {
    const scrubber = new Scrubber();
    scrubber.add('key  with\ttab');
    expect(shortMessage(scrubber.scrub('denied: key  with\ttab'))).toBe('denied: ***');
    const long = `${'x'.repeat(150)} sk_live_0123456789abcdef`;
    scrubber.add('sk_live_0123456789abcdef');
    expect(shortMessage(scrubber.scrub(long))).not.toContain('sk_live');
  });

  it('leaves ordinary text alone', () => {
    const scrubber = new Scrubber();
    scrubber.addSecret(JSON.stringify({ userId: 'user-0001', apikey: 'sp-key-7f3a9c' }));
    expect(scrubber.scrub('HTTP 404: project not found')).toBe('HTTP 404: project not found');
  });
});
