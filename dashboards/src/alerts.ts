import * as alerting from '@grafana/grafana-foundation-sdk/alerting';
import * as expr from '@grafana/grafana-foundation-sdk/expr';
import { ALERT_DATASOURCE, InfluxQLBuilder } from './influxql.js';

/** Queued users above which a Streampixel project is short of capacity (Streampixel's own example uses 5). */
export const QUEUE_THRESHOLD = 5;
/**
 * Consecutive samples the queue must stay above the threshold before anyone is paged: Streampixel's page advises
 * "poll every 30s and require N consecutive samples above threshold before paging". 4 samples are 2 minutes at
 * 30 s, 40 s at 10 s.
 */
export const CONSECUTIVE_SAMPLES = 4;
/**
 * How far back the rule looks for those samples, in seconds. Samples older than this do not count, so a
 * target must be sampled at least every `LOOKBACK_SECONDS / CONSECUTIVE_SAMPLES` (75 s) for the rule to fire.
 */
export const LOOKBACK_SECONDS = 300;
/** How often Grafana evaluates the rule: every sample of a 30 s target. */
export const EVALUATION_INTERVAL = '30s';

/**
 * The last N samples of every Streampixel target, newest first: the window the rule judges. Per project name
 * as well: a target that discovers its projects writes one point per project per sample time, and its last N
 * points would otherwise be N different projects' (a target of one project has an empty `project_name`).
 */
const LAST_SAMPLES =
  `SELECT "queued" FROM "concurrency" WHERE "provider" = 'streampixel' AND $timeFilter ` +
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
    new alerting.RuleBuilder('Streampixel queue above threshold')
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
      // No Streampixel sample in the window is the collector's problem, which the health panels show.
      .noDataState('OK')
      .execErrState('Error')
      .labels({ severity: 'page', team: 'capacity' })
      .annotations({
        summary:
          `Users queue on {{ $labels.target }}{{ with $labels.project_name }} ({{ . }}){{ end }}: ` +
          `more than ${QUEUE_THRESHOLD} for ${CONSECUTIVE_SAMPLES} consecutive samples`,
        description:
          'Every one of the last samples of this Streampixel target (of this project, for a target that discovers ' +
          'its projects) had users waiting for a session: the project needs more capacity (or a stuck worker is ' +
          'holding slots).',
      })
  );
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
  const rule = queueAlertRule().build();
  return {
    apiVersion: 1,
    groups: [
      {
        orgId: 1,
        name: 'concurrency',
        folder,
        interval: EVALUATION_INTERVAL,
        rules: [
          {
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
          },
        ],
      },
    ],
  };
}
