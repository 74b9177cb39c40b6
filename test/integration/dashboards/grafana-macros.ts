/**
 * What Grafana does to an InfluxQL query before InfluxDB sees it, so that the tests run the text Grafana would
 * send. Two steps, as in Grafana 10+ (backend mode):
 * 1. the frontend replaces dashboard variables in "regex" format (`templateSrv.replace(query, vars, 'regex')`,
 *    with `__interval` held back for the backend);
 * 2. the backend (`pkg/tsdb/influxdb/models/query.go`, `Build`) replaces `$timeFilter` with
 *    `time >= {from}ms and time <= {to}ms`, then `$interval`, `$__interval_ms` and `$__interval`.
 */

/** A dashboard variable's state: either "All" or the values picked. */
export type VariableSelection = { all: true } | { values: string[] };

export interface GrafanaContext {
  /** The dashboard's time range, ms since the epoch (both ends included by `$timeFilter`). */
  from: number;
  to: number;
  /** What Grafana computed for `$__interval`, in ms. */
  intervalMs: number;
  /** Every variable's selection; all of ours are multi-value with "All" = `.*`. */
  variables: Record<string, VariableSelection>;
  /** The variables' `allValue` (`.*` for ours); without one, "All" expands to every value. */
  allValue?: string;
}

/** @grafana/data's `escapeRegex`: what the "regex" format does to each value. */
export function escapeRegex(value: string): string {
  return value.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&');
}

/** The "regex" format of a multi-value variable: one escaped value, or `(a|b|…)`; a custom all value as is. */
export function regexFormat(selection: VariableSelection, allValue = '.*'): string {
  if ('all' in selection) return allValue;
  const escaped = selection.values.map(escapeRegex);
  return escaped.length === 1 ? (escaped[0] as string) : `(${escaped.join('|')})`;
}

/** grafana-plugin-sdk-go's `gtime.FormatInterval`: the text `$__interval` becomes. */
export function formatInterval(ms: number): string {
  const units: [number, string][] = [
    [365 * 86_400_000, 'y'],
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1_000, 's'],
    [1, 'ms'],
  ];
  for (const [size, unit] of units) if (ms >= size) return `${Math.floor(ms / size)}${unit}`;
  return '1ms';
}

/** The query text InfluxDB receives from Grafana for `query` in context `ctx`. */
export function expand(query: string, ctx: GrafanaContext): string {
  // Step 1, the frontend: $var, ${var} and [[var]] of known variables; unknown ones (macros) stay.
  const frontend = query.replace(/\$(\w+)|\$\{(\w+)\}|\[\[(\w+)\]\]/g, (whole, a, b, c) => {
    const name = (a ?? b ?? c) as string;
    const selection = ctx.variables[name];
    return selection === undefined ? whole : regexFormat(selection, ctx.allValue);
  });
  // Step 2, the backend, in its order.
  return frontend
    .replaceAll('$timeFilter', `time >= ${ctx.from}ms and time <= ${ctx.to}ms`)
    .replaceAll('$interval', formatInterval(ctx.intervalMs))
    .replaceAll('$__interval_ms', String(ctx.intervalMs))
    .replaceAll('$__interval', formatInterval(ctx.intervalMs));
}
