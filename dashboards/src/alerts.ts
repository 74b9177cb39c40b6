import * as alerting from '@grafana/grafana-foundation-sdk/alerting';
import * as expr from '@grafana/grafana-foundation-sdk/expr';
import { ALERT_DATASOURCE, endpointsWith, InfluxQLBuilder } from './influxql.js';

/** Queued users above which a project is short of capacity (the example a queueing provider's own docs give). */
export const QUEUE_THRESHOLD = 5;
/**
 * Consecutive samples the queue must stay above the threshold before anyone is paged: a queueing provider's docs
 * advise "poll every 30s and require N consecutive samples above threshold before paging". 4 samples are
 * 2 minutes at 30 s, 40 s at 10 s.
 */
export const CONSECUTIVE_SAMPLES = 4;
/**
 * How far back the rule looks for those samples, in seconds. Samples older than this do not count, so a
 * target must be sampled at least every `LOOKBACK_SECONDS / CONSECUTIVE_SAMPLES` (75 s) for the rule to fire.
 */
export const LOOKBACK_SECONDS = 300;
/** How often Grafana evaluates the rule: every sample of a 30 s target. */
export const EVALUATION_INTERVAL = '30s';

/** Share of capacity at which a target is near it: the warning threshold of panels and the alert. */
export const NEAR_CAPACITY_PERCENT = 90;
/** Minutes a target must stay at or above {@link NEAR_CAPACITY_PERCENT} of its capacity before the alert fires. */
export const NEAR_CAPACITY_MINUTES = 5;
/** Intervals without a `concurrency` point after which a target's data is stale. */
export const STALE_INTERVALS = 3;
/**
 * How far back the stale-data rule looks, in seconds: it learns each target's interval from its points in this
 * window, so it covers intervals up to a third of it (2 h).
 */
export const STALE_LOOKBACK_SECONDS = 6 * 3600;
/** Width of the buckets the stale-data rule counts empty ones of, in seconds: its resolution. */
export const STALE_BUCKET_SECONDS = 5;
/** Share of successful samples below which the collector is failing a target. */
export const SUCCESS_PERCENT = 95;
/** Minutes over which the success share and the overage counters are judged. */
export const SUCCESS_MINUTES = 15;
export const OVERAGE_MINUTES = 15;

/**
 * The last N samples of every target with a queue, newest first: the window the rule judges. Per project name
 * as well: a target that discovers its projects writes one point per project per sample time, and its last N
 * points would otherwise be N different projects' (a target of one project has an empty `project_name`).
 */
const LAST_SAMPLES =
  `SELECT "queued" FROM "concurrency" WHERE ${endpointsWith('queue')} AND $timeFilter ` +
  `GROUP BY "target", "project_name" ORDER BY time DESC LIMIT ${CONSECUTIVE_SAMPLES}`;

/**
 * "Queue above threshold": fires for a target (for each project of a target that discovers them) when each of
 * its last {@link CONSECUTIVE_SAMPLES} samples had more than {@link QUEUE_THRESHOLD} users queued, i.e. when the
 * smallest of them is above the threshold. Counting the
 * samples per target instead of waiting a fixed time keeps the rule right for 10 s and 30 s targets alike; the
 * count condition keeps a target with fewer samples in the window (a gap in collection) from paging on too few.
 *
 * A: min(queued) over the last N samples; B: how many samples that was; C, D: their values; E: the condition.
 */
export function queueAlertRule(): alerting.RuleBuilder {
  const influx = (refId: string, aggregate: string) =>
    new alerting.QueryBuilder(refId)
      .datasourceUid(ALERT_DATASOURCE.uid as string)
      .relativeTimeRange({ from: LOOKBACK_SECONDS, to: 0 })
      .model(
        new InfluxQLBuilder(
          refId,
          `SELECT ${aggregate}("queued") FROM (${LAST_SAMPLES}) GROUP BY "target", "project_name" ORDER BY time DESC`,
          ALERT_DATASOURCE,
        ).resolution(1000, 43200),
      );
  const expression = (refId: string, model: { build(): unknown }) =>
    new alerting.QueryBuilder(refId)
      .datasourceUid('__expr__')
      .relativeTimeRange({ from: 0, to: 0 })
      .model(model as never);
  return (
    new alerting.RuleBuilder('Queue above threshold')
      .uid('concurrency-queue-above-threshold')
      .queries([
        influx('A', 'min'),
        influx('B', 'count'),
        expression(
          'C',
          new expr.TypeReduceBuilder()
            .refId('C')
            .expression('A')
            .reducer('last')
            .settings({ mode: 'dropNN' }),
        ),
        expression(
          'D',
          new expr.TypeReduceBuilder()
            .refId('D')
            .expression('B')
            .reducer('last')
            .settings({ mode: 'dropNN' }),
        ),
        expression(
          'E',
          new expr.TypeMathBuilder()
            .refId('E')
            .expression(`$C > ${QUEUE_THRESHOLD} && $D >= ${CONSECUTIVE_SAMPLES}`),
        ),
      ])
      .condition('E')
      // The query already demands N consecutive samples; a pending period on top would only delay the page.
      .forDuration('0s')
      // No sample in the window is stale data, which its own rule reports.
      .noDataState('OK')
      .execErrState('Error')
      .labels({ severity: 'page', team: 'capacity' })
      .annotations({
        summary:
          `Users queue on {{ $labels.target }}{{ with $labels.project_name }} ({{ . }}){{ end }}: ` +
          `more than ${QUEUE_THRESHOLD} for ${CONSECUTIVE_SAMPLES} consecutive samples`,
        description:
          'Every one of the last samples of this target (of this project, for a target that discovers ' +
          'its projects) had users waiting for a session: the project needs more capacity (or a stuck worker is ' +
          'holding slots).',
      })
  );
}

function influxQuery(refId: string, query: string, lookbackSeconds: number): alerting.QueryBuilder {
  return new alerting.QueryBuilder(refId)
    .datasourceUid(ALERT_DATASOURCE.uid as string)
    .relativeTimeRange({ from: lookbackSeconds, to: 0 })
    .model(new InfluxQLBuilder(refId, query, ALERT_DATASOURCE).resolution(1000, 43200));
}

function expressionQuery(refId: string, model: { build(): unknown }): alerting.QueryBuilder {
  return new alerting.QueryBuilder(refId)
    .datasourceUid('__expr__')
    .relativeTimeRange({ from: 0, to: 0 })
    .model(model as never);
}

function lastOf(refId: string, of: string): alerting.QueryBuilder {
  return expressionQuery(
    refId,
    new expr.TypeReduceBuilder().refId(refId).expression(of).reducer('last').settings({ mode: 'dropNN' }),
  );
}

/** What differs between the capacity and health rules; each fires on its last query `E`, with no pending period. */
interface RuleSpec {
  title: string;
  uid: string;
  queries: alerting.QueryBuilder[];
  /** What no series at all means: `Alerting` only where silence is the problem. */
  noData: 'OK' | 'Alerting';
  labels: Record<string, string>;
  summary: string;
  description: string;
}

function rule(spec: RuleSpec): alerting.RuleBuilder {
  return new alerting.RuleBuilder(spec.title)
    .uid(spec.uid)
    .queries(spec.queries)
    .condition('E')
    .forDuration('0s')
    .noDataState(spec.noData)
    .execErrState('Error')
    .labels(spec.labels)
    .annotations({ summary: spec.summary, description: spec.description });
}

/**
 * "Stale data": fires for a target none of whose `concurrency` points arrived for {@link STALE_INTERVALS} of
 * its intervals. The dashboards know no config, so the interval is the target's own: the shortest time between
 * two consecutive points of one series in the last 6 h (B). A counts the empty 5 s buckets since its last point:
 * a running sum of points per bucket, newest first, is 0 exactly over those. A target with no point at all in the
 * window has no series: no data, which is alerting, not OK.
 */
export function staleDataRule(): alerting.RuleBuilder {
  const counts =
    `SELECT count("live") AS "n" FROM "concurrency" WHERE $timeFilter ` +
    `GROUP BY time(${STALE_BUCKET_SECONDS}s), "target" fill(0) ORDER BY time DESC`;
  const since = `SELECT cumulative_sum("n") AS "c" FROM (${counts}) GROUP BY "target" ORDER BY time DESC`;
  const gaps =
    `SELECT elapsed("live", 1s) AS "gap" FROM "concurrency" WHERE $timeFilter ` +
    'GROUP BY "target", "project", "project_name"';
  return rule({
    title: 'Stale data',
    uid: 'concurrency-stale-data',
    queries: [
      influxQuery(
        'A',
        // Every level newest first: InfluxQL wants subqueries ordered like the query around them.
        `SELECT count("c") * ${STALE_BUCKET_SECONDS} FROM (${since}) WHERE "c" = 0 GROUP BY "target" ORDER BY time DESC`,
        STALE_LOOKBACK_SECONDS,
      ),
      influxQuery(
        'B',
        `SELECT min("gap") FROM (${gaps}) WHERE "gap" > 0 GROUP BY "target"`,
        STALE_LOOKBACK_SECONDS,
      ),
      lastOf('C', 'A'),
      lastOf('D', 'B'),
      expressionQuery('E', new expr.TypeMathBuilder().refId('E').expression(`$C >= ${STALE_INTERVALS} * $D`)),
    ],
    noData: 'Alerting',
    labels: { severity: 'page', team: 'collector' },
    summary: `No concurrency point from {{ $labels.target }} for ${STALE_INTERVALS} of its intervals (or none at all)`,
    description:
      'The collector wrote nothing for this target: the schedule stopped, every sample failed, or InfluxDB ' +
      'refuses the writes. See the Collector health row and the failed-sample annotations.',
  });
}

/**
 * "Near capacity": fires for a target whose live users (the account total for a discovering one) stayed at or
 * above 90 % of its `capacity` at every sample of the last 5 minutes. A: the smallest share; B: samples seen.
 */
export function nearCapacityRule(): alerting.RuleBuilder {
  const shares =
    // 100.0: InfluxQL divides integers as integers.
    'SELECT 100.0 * sum("live") / max("capacity") AS "pct" FROM "concurrency" WHERE $timeFilter ' +
    'GROUP BY time(1s), "target" fill(none)';
  const window = NEAR_CAPACITY_MINUTES * 60;
  return rule({
    title: 'Near capacity',
    uid: 'concurrency-near-capacity',
    queries: [
      influxQuery('A', `SELECT min("pct") FROM (${shares}) GROUP BY "target"`, window),
      influxQuery('B', `SELECT count("pct") FROM (${shares}) GROUP BY "target"`, window),
      lastOf('C', 'A'),
      lastOf('D', 'B'),
      expressionQuery(
        'E',
        new expr.TypeMathBuilder().refId('E').expression(`$C >= ${NEAR_CAPACITY_PERCENT} && $D >= 2`),
      ),
    ],
    // No target with a capacity sampled in the window: stale data has its own rule.
    noData: 'OK',
    labels: { severity: 'warning', team: 'capacity' },
    summary: `{{ $labels.target }} at or above ${NEAR_CAPACITY_PERCENT} % of its capacity for ${NEAR_CAPACITY_MINUTES} minutes`,
    description:
      'Live users sat near the configured or plan capacity at every sample: raise it before users queue or are refused.',
  });
}

/**
 * "Plan overage rising": fires for a target with plan figures whose `overage_connections` or `overage_messages`
 * grew over the last 15 minutes (last minus first; a new billing period resets them, which is not a rise).
 */
export function overageRule(): alerting.RuleBuilder {
  const window = OVERAGE_MINUTES * 60;
  const rise = (field: string) =>
    `SELECT last("${field}") - first("${field}") FROM "concurrency" WHERE ${endpointsWith('plan')} AND $timeFilter GROUP BY "target"`;
  return rule({
    title: 'Plan overage rising',
    uid: 'concurrency-overage-rising',
    queries: [
      influxQuery('A', rise('overage_connections'), window),
      influxQuery('B', rise('overage_messages'), window),
      lastOf('C', 'A'),
      lastOf('D', 'B'),
      expressionQuery('E', new expr.TypeMathBuilder().refId('E').expression('$C > 0 || $D > 0')),
    ],
    noData: 'OK',
    labels: { severity: 'warning', team: 'capacity' },
    summary: `Overage of {{ $labels.target }} rose in the last ${OVERAGE_MINUTES} minutes`,
    description:
      'The plan is exceeded and billed as overage: upgrade the plan or find what drives the usage.',
  });
}

/** "Collector success": fires for a target fewer than 95 % of whose samples in the last 15 minutes succeeded. */
export function successRule(): alerting.RuleBuilder {
  const window = SUCCESS_MINUTES * 60;
  return rule({
    title: 'Collector success below 95 %',
    uid: 'concurrency-collector-success',
    queries: [
      influxQuery(
        'A',
        'SELECT mean("up") * 100 FROM "collector_run" WHERE $timeFilter GROUP BY "target"',
        window,
      ),
      lastOf('C', 'A'),
      expressionQuery('E', new expr.TypeMathBuilder().refId('E').expression(`$C < ${SUCCESS_PERCENT}`)),
    ],
    noData: 'OK',
    labels: { severity: 'warning', team: 'collector' },
    summary: `Fewer than ${SUCCESS_PERCENT} % of the samples of {{ $labels.target }} succeeded in ${SUCCESS_MINUTES} minutes`,
    description:
      'See the Failed samples table and annotations for the outcome (auth, timeout, rate_limited, …).',
  });
}

/** Every alert rule, in the order the provisioning file lists them. */
export function alertRules(): alerting.RuleBuilder[] {
  return [queueAlertRule(), staleDataRule(), nearCapacityRule(), overageRule(), successRule()];
}

/** Alert rules as Grafana's file provisioning reads them (`provisioning/alerting/*.yaml`). */
export interface AlertProvisioning {
  apiVersion: 1;
  groups: {
    orgId: number;
    name: string;
    folder: string;
    interval: string;
    rules: Record<string, unknown>[];
  }[];
}

/**
 * The rule group in the file-provisioning shape. The SDK models the HTTP API's rule (folderUID, ruleGroup, orgID
 * on every rule); files put those on the group and call `for` and `data` the same.
 */
export function alertProvisioning(folder: string): AlertProvisioning {
  return {
    apiVersion: 1,
    groups: [
      {
        orgId: 1,
        name: 'concurrency',
        folder,
        interval: EVALUATION_INTERVAL,
        rules: alertRules().map((builder) => {
          const rule = builder.build();
          return {
            uid: rule.uid,
            title: rule.title,
            condition: rule.condition,
            data: rule.data.map((query) => JSON.parse(JSON.stringify(query))),
            noDataState: rule.noDataState,
            execErrState: rule.execErrState,
            for: rule.for,
            annotations: rule.annotations,
            labels: rule.labels,
            isPaused: false,
          };
        }),
      },
    ],
  };
}
