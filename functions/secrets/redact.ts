/** Credential values shorter than this are not redacted: they would mangle ordinary words. */
const MIN_SECRET_LENGTH = 4;

/**
 * Collects every string inside a secret's JSON (and the secret string itself), so that no text the run emits
 * can carry one of them, whatever key it came from.
 */
export function secretValuesOf(secretString: string): string[] {
  const values = new Set<string>([secretString.trim()]);
  const walk = (value: unknown): void => {
    if (typeof value === 'string') values.add(value);
    else if (value && typeof value === 'object') for (const inner of Object.values(value)) walk(inner);
  };
  try {
    walk(JSON.parse(secretString));
  } catch {
    // Not JSON: the whole string is the secret, already added.
  }
  return [...values].filter((value) => value.length >= MIN_SECRET_LENGTH);
}

/** The forms a value takes in a URL: path-encoded, and query-encoded as `URLSearchParams` writes it. */
function encodedForms(secret: string): string[] {
  return [secret, encodeURIComponent(secret), new URLSearchParams({ k: secret }).toString().slice(2)];
}

/** Replaces every known secret value in a text, URL-encoded forms included. */
export function redact(text: string, secrets: Iterable<string>): string {
  let clean = text;
  for (const secret of secrets) {
    for (const form of new Set(encodedForms(secret))) clean = clean.split(form).join('***');
  }
  return clean;
}
