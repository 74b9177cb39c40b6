/**
 * Line protocol written by hand, because some text cannot be carried exactly and the rule for it must be ours:
 * `@influxdata/influxdb-client`'s `Point` writes a tag value ending in `\` so that it escapes the separator after
 * it (InfluxDB answers 400), stores newline, CR and tab in tags as the two characters `\n`, `\r`, `\t`, and keeps a
 * newline inside a string field, which splits one point over two lines of a dry run or a spill file.
 *
 * The rule (docs/data-contract.md, "Text in points"), applied to every text that becomes part of a point:
 * 1. a lone UTF-16 surrogate becomes U+FFFD (what any UTF-8 encoder writes for it);
 * 2. every control character (Unicode `Cc`: U+0000–U+001F, U+007F–U+009F) becomes one space;
 * 3. in a measurement, tag key, tag value or field key, a backslash at the end or right before a space gets `_`
 *    after it: InfluxDB's parser reads such a backslash as escaping the separator (or the escape) after it, so
 *    the point is refused, or the line splitter runs on into the next line. Doubling it does not help.
 * 4. a tag whose value is empty is left out: InfluxDB stores an empty tag as no tag.
 * Everything else is carried exactly, by escaping each position as the line-protocol reference says.
 */

const CONTROL = /\p{Cc}/gu;
/**
 * Text that no step of the rule and no escape changes: nearly every name and tag value. Testing for it first
 * spares a point five replacements per tag (a tick writes ten tags per sample).
 */
const PLAIN = /^[\p{L}\p{N}_.:/@#+*!?~()[\]{}<>|&%$^'-]*$/u;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Steps 1 and 2 of the rule: the text of a string field as InfluxDB stores it. */
export function carriedString(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD').replace(CONTROL, ' ');
}

/** Steps 1–3 of the rule: the text of a name (measurement, tag key or value, field key) as InfluxDB stores it. */
export function carriedName(text: string): string {
  return carriedString(text).replace(/\\(?= |$)/g, '\\_');
}

function escapeMeasurement(text: string): string {
  if (PLAIN.test(text)) return text;
  return carriedName(text).replace(/[, ]/g, '\\$&');
}

/** Tag keys, tag values and field keys escape the same three characters. */
function escapeKey(text: string): string {
  if (PLAIN.test(text)) return text;
  return carriedName(text).replace(/[,= ]/g, '\\$&');
}

function quoteString(text: string): string {
  return `"${carriedString(text).replace(/[\\"]/g, '\\$&')}"`;
}

/**
 * One point: a measurement, tags, integer and string fields, and a timestamp in whole seconds. The builder
 * methods mirror `@influxdata/influxdb-client`'s `Point`, whose output it matches wherever that output is valid.
 */
export class LinePoint {
  private readonly tags = new Map<string, string>();
  private readonly fields = new Map<string, string>();
  private time: string | undefined;

  constructor(private readonly measurement: string) {}

  tag(key: string, value: string): this {
    this.tags.set(key, value);
    return this;
  }

  intField(key: string, value: number): this {
    if (!Number.isSafeInteger(value)) throw new RangeError(`field ${key}: ${value} is not a safe integer`);
    this.fields.set(key, `${value}i`);
    return this;
  }

  stringField(key: string, value: string): this {
    this.fields.set(key, quoteString(value));
    return this;
  }

  /** Seconds since the epoch, as written with precision `s`. */
  timestamp(seconds: string): this {
    this.time = seconds;
    return this;
  }

  /** The line, tags and fields sorted by key (InfluxDB's own order, and a stable text for golden tests). */
  toLineProtocol(): string {
    let line = escapeMeasurement(this.measurement);
    for (const key of [...this.tags.keys()].sort()) {
      // Escaping adds to text and never empties it: a value that escapes to nothing carried nothing (step 4).
      const value = escapeKey(this.tags.get(key) as string);
      if (value === '') continue;
      line += `,${escapeKey(key)}=${value}`;
    }
    let separator = ' ';
    for (const key of [...this.fields.keys()].sort()) {
      line += `${separator}${escapeKey(key)}=${this.fields.get(key)}`;
      separator = ',';
    }
    if (this.fields.size === 0) line += ' ';
    return this.time === undefined ? line : `${line} ${this.time}`;
  }
}
