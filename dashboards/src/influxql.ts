import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as common from '@grafana/grafana-foundation-sdk/common';
import { ADAPTERS } from '../../functions/providers/registry.js';
import type { FigureGroup } from '../../functions/providers/types.js';

/** The provisioned InfluxDB datasource's uid: the alert rules name it, since they cannot use a variable. */
export const DATASOURCE_UID = 'concurrency-influx';

/** Panels and variables query the datasource picked in the `datasource` variable (the provisioned one by default). */
export const DASHBOARD_DATASOURCE: common.DataSourceRef = { type: 'influxdb', uid: `\${datasource}` };

/** Alert rules run in Grafana's backend without dashboard variables: they name the datasource itself. */
export const ALERT_DATASOURCE: common.DataSourceRef = { type: 'influxdb', uid: DATASOURCE_UID };

/** An InfluxQL query as Grafana's InfluxDB datasource stores it: raw text, not the visual editor's parts. */
export interface InfluxQLQuery {
  refId: string;
  datasource: common.DataSourceRef;
  query: string;
  rawQuery: true;
  resultFormat: 'time_series' | 'table';
  /** Legend text, e.g. `$tag_target`, `$tag_target $col`. */
  alias?: string;
  /** Alert queries only: the resolution Grafana's backend asks for. */
  intervalMs?: number;
  maxDataPoints?: number;
}

/**
 * The SDK ships no InfluxDB query builder (v0.0.21), so this is one: the object becomes a panel target or the
 * model of an alert query. Raw InfluxQL, because InfluxDB 1.x, 2.x (through its DBRP mapping) and 3.x all answer it.
 */
export class InfluxQLBuilder implements cog.Builder<cog.Dataquery> {
  private readonly internal: InfluxQLQuery;

  constructor(refId: string, query: string, datasource: common.DataSourceRef = DASHBOARD_DATASOURCE) {
    this.internal = { refId, datasource, query, rawQuery: true, resultFormat: 'time_series' };
  }

  alias(alias: string): this {
    this.internal.alias = alias;
    return this;
  }

  table(): this {
    this.internal.resultFormat = 'table';
    return this;
  }

  resolution(intervalMs: number, maxDataPoints: number): this {
    this.internal.intervalMs = intervalMs;
    this.internal.maxDataPoints = maxDataPoints;
    return this;
  }

  build(): cog.Dataquery {
    // cog's marker method is dropped by JSON.stringify: the exported JSON holds only the query's own keys.
    return { ...this.internal, _implementsDataqueryVariant() {} };
  }
}

/** Shorthand for a panel target. */
export function influxql(refId: string, query: string): InfluxQLBuilder {
  return new InfluxQLBuilder(refId, query);
}

/**
 * The template-variable filter of `concurrency` panels: provider, target, project and project name, each
 * multi-valued. With "All" (`.*`) a variable also matches points without its tag: only discovered projects'
 * points carry `project_name`.
 */
export const CONCURRENCY_FILTER =
  '"provider" =~ /^$provider$/ AND "target" =~ /^$target$/ AND "project" =~ /^$project$/ ' +
  'AND "project_name" =~ /^$project_name$/';

/**
 * Only the points of projects a target discovered: they carry `project_name`, which InfluxQL reads as '' on a
 * point without the tag.
 */
export const DISCOVERED = `"project_name" != ''`;

/**
 * The filter of `collector_run` panels. No project: a failed run may not know its project (a key that was
 * refused never said which app or project it belongs to), and those are the runs this row is for.
 */
export const RUN_FILTER = '"provider" =~ /^$provider$/ AND "target" =~ /^$target$/';

/**
 * The account total of each target per sample time: a target that discovers its projects writes one point per
 * project, which the report adds up; the per-target panels read this subquery so that they show the same figure.
 * Points are stamped in whole seconds, so a one-second bucket is one sample time. `capacity` is the account's,
 * the same on every project's point.
 */
export const ACCOUNT_TOTALS =
  'SELECT sum("live") AS "live", sum("queued") AS "queued", max("capacity") AS "capacity" FROM "concurrency" ' +
  `WHERE ${CONCURRENCY_FILTER} AND $timeFilter GROUP BY time(1s), "target" fill(none)`;

/**
 * `"endpoint" =~ /^(…)$/` of the endpoints whose points have a figure group: panels select fields by capability,
 * never by a provider's name.
 */
export function endpointsWith(group: Exclude<FigureGroup, 'live'>): string {
  const ids = ADAPTERS.filter((adapter) => adapter.capabilities.figures.includes(group)).map((adapter) =>
    adapter.endpoint.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'),
  );
  return `"endpoint" =~ /^(${ids.join('|')})$/`;
}
