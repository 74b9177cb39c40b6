/** Where a JSON text stopped being JSON: 1-based line and column, and the parser's reason without its offset. */
export interface JsonSyntaxProblem {
  line: number;
  column: number;
  reason: string;
}

/**
 * Parses JSON; on a syntax error, says where it is by line and column (the parser only gives an offset, or
 * nothing when the text ends early). The reason may quote the text: leave it out for a file that holds secrets.
 */
export function parseJsonText(
  text: string,
): { ok: true; value: unknown } | { ok: false; problem: JsonSyntaxProblem } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const message = (error as Error).message;
    const offset = /at position (\d+)/.exec(message);
    const at = offset ? Math.min(Number(offset[1]), text.length) : text.length;
    const before = text.slice(0, at).split('\n');
    const reason = message
      .replace(/\s*in JSON at position \d+.*$/, '')
      .replace(/\s*\(line \d+ column \d+\)$/, '');
    return {
      ok: false,
      problem: { line: before.length, column: (before.at(-1) ?? '').length + 1, reason },
    };
  }
}
