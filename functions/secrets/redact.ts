import type { RunLog } from '../log/run-log.js';

/** Credential values shorter than this are not redacted: they would mangle ordinary words. */
const MIN_SECRET_LENGTH = 4;
/**
 * Any run of this many characters of a credential is hidden too, wherever it stands: a provider that echoes a
 * cut key ("key sk_live_4f… is invalid") must not print its first characters.
 */
export const SLICE_LENGTH = 6;
/** What a hidden span becomes. */
export const MASK = '***';

/** The strings inside a secret's JSON; the secret string itself when it is not JSON. */
function leavesOf(secretString: string): string[] {
  const leaves: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') leaves.push(value);
    else if (value && typeof value === 'object') for (const inner of Object.values(value)) walk(inner);
  };
  try {
    walk(JSON.parse(secretString));
  } catch {
    leaves.push(secretString.trim());
  }
  return leaves;
}

/**
 * The forms a value takes in text that leaves the process: as is, URL-encoded (path and query, as
 * `URLSearchParams` writes it), and escaped inside a JSON string (a logfmt value, an echoed JSON body).
 */
function formsOf(secret: string): string[] {
  return [
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ k: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
  ];
}

/**
 * The one scrubber of a run: it knows every credential value the run read, in every form, and hides each
 * occurrence, overlapping ones included (the union of all matches is masked, so a value that contains another is
 * never half-printed). Run it on raw text, before white space is collapsed or the text is cut.
 */
export class Scrubber {
  private readonly forms = new Set<string>();
  private readonly slices = new Set<string>();

  /** Every string of a secret (JSON or not); the strings inside it are also hidden by any run of 6 characters. */
  addSecret(secretString: string): void {
    const whole = secretString.trim();
    if (whole.length >= MIN_SECRET_LENGTH) this.addForms(whole);
    for (const leaf of leavesOf(secretString)) this.add(leaf);
  }

  /** One value, such as the base64 `user:password` of a Basic header. */
  add(value: string): void {
    if (value.length < MIN_SECRET_LENGTH) return;
    this.addForms(value);
    for (let start = 0; start + SLICE_LENGTH <= value.length; start++) {
      this.slices.add(value.slice(start, start + SLICE_LENGTH));
    }
  }

  /** The text with every span that is, or is part of, a credential replaced by `***`. */
  scrub(text: string): string {
    if (this.forms.size === 0 || text.length < MIN_SECRET_LENGTH) return text;
    const hidden = new Uint8Array(text.length);
    for (const form of this.forms) {
      for (let at = text.indexOf(form); at !== -1; at = text.indexOf(form, at + 1)) {
        hidden.fill(1, at, at + form.length);
      }
    }
    if (this.slices.size > 0) {
      for (let at = 0; at + SLICE_LENGTH <= text.length; at++) {
        if (this.slices.has(text.slice(at, at + SLICE_LENGTH))) hidden.fill(1, at, at + SLICE_LENGTH);
      }
    }
    if (!hidden.includes(1)) return text;
    let clean = '';
    for (let at = 0; at < text.length; at++) {
      if (!hidden[at]) clean += text[at];
      else if (at === 0 || !hidden[at - 1]) clean += MASK;
    }
    return clean;
  }

  private addForms(value: string): void {
    for (const form of formsOf(value)) if (form.length >= MIN_SECRET_LENGTH) this.forms.add(form);
  }
}

/** A log whose message and text attributes pass through `scrub` before they are written anywhere. */
export function scrubbedLog(log: RunLog, scrub: (text: string) => string): RunLog {
  const clean = (attributes: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(attributes).map(([key, value]) => [
        key,
        typeof value === 'string' ? scrub(value) : value,
      ]),
    );
  return {
    info: (message, attributes) => log.info(scrub(message), clean(attributes)),
    warn: (message, attributes) => log.warn(scrub(message), clean(attributes)),
    error: (message, attributes) => log.error(scrub(message), clean(attributes)),
  };
}
