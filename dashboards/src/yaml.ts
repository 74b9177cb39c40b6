/**
 * Just enough YAML for provisioning files: block mappings and sequences of plain data. Every string is quoted
 * (double-quoted with JSON's escapes, which YAML reads the same way, or single-quoted), so no value can turn into
 * a number, a boolean, a comment or an alias. Environment references like `${INFLUX_URL}` stay as they are for Grafana.
 */
export function toYaml(value: unknown, header = ''): string {
  const comments = header
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => `# ${line}`.trimEnd());
  return `${[...comments, ...block(value, 0)].join('\n')}\n`;
}

type Plain = string | number | boolean | null;

function isPlain(value: unknown): value is Plain {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function scalar(value: Plain): string {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`cannot write ${value} in YAML`);
  return typeof value === 'string' ? quoted(value) : String(value);
}

/**
 * Double quotes, unless single quotes need fewer escapes (a query full of `"identifiers"`): the choice Prettier
 * and Biome make, so that the formatter leaves generated files alone. Single-quoted YAML escapes nothing but `'`,
 * so it is only used for text without backslashes or control characters.
 */
function quoted(text: string): string {
  const doubles = text.split('"').length - 1;
  const singles = text.split("'").length - 1;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: detecting them is the point.
  if (doubles > singles && !/[\\\x00-\x1f\x7f]/.test(text)) return `'${text.replaceAll("'", "''")}'`;
  return JSON.stringify(text);
}

function key(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : JSON.stringify(name);
}

function block(value: unknown, indent: number): string[] {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${pad}[]`];
    return value.flatMap((item) => {
      if (isPlain(item)) return [`${pad}- ${scalar(item)}`];
      const [first, ...rest] = block(item, indent + 2);
      return [`${pad}- ${(first as string).slice(indent + 2)}`, ...rest];
    });
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined);
    if (entries.length === 0) return [`${pad}{}`];
    return entries.flatMap(([name, item]) => {
      if (isPlain(item)) return [`${pad}${key(name)}: ${scalar(item)}`];
      const empty = Array.isArray(item) ? item.length === 0 : Object.keys(item as object).length === 0;
      if (empty) return [`${pad}${key(name)}: ${Array.isArray(item) ? '[]' : '{}'}`];
      return [`${pad}${key(name)}:`, ...block(item, indent + 2)];
    });
  }
  if (isPlain(value)) return [`${pad}${scalar(value)}`];
  throw new Error(`cannot write a ${typeof value} in YAML`);
}
