/**
 * RFC 6901 JSON Pointers, evaluated by hand: the libraries answer `undefined` for a miss, and a failed sample
 * must say which token of which pointer missed.
 */

/** `""` (the whole document) or `/`-separated tokens in which `~` only appears as `~0` or `~1`. */
export const JSON_POINTER = /^(?:\/(?:[^~/]|~[01])*)*$/;

const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/;

export type Resolved = { ok: true; value: unknown } | { ok: false; reason: string };

/** The value `pointer` refers to in `document`, or why it refers to nothing (the pointer must match `JSON_POINTER`). */
export function resolvePointer(document: unknown, pointer: string): Resolved {
  if (pointer === '') return { ok: true, value: document };
  let value = document;
  let path = '';
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(value)) {
      if (!ARRAY_INDEX.test(token) || Number(token) >= value.length) {
        return { ok: false, reason: `${path || 'the body'} has no element ${JSON.stringify(token)}` };
      }
      value = value[Number(token)];
    } else if (value !== null && typeof value === 'object' && Object.hasOwn(value, token)) {
      value = (value as Record<string, unknown>)[token];
    } else {
      return { ok: false, reason: `${path || 'the body'} has no member ${JSON.stringify(token)}` };
    }
    path += `/${raw}`;
  }
  return { ok: true, value };
}
