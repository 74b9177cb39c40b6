import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC } from '../../functions/handlers/observability.js';
import { METRICS_NAMESPACE, SERVICE_NAME } from './collector-function.js';

export interface CollectorAlarmsProps {
  fn: IFunction;
  /** The monthly report function. */
  reportFn: IFunction;
  deadLetterQueue: IQueue;
  /** Notified when an alarm goes off and when it recovers. */
  topic: ITopic;
  /** Period of the failing-targets alarm, in minutes: see `failureAlarmPeriodMinutes`. */
  failurePeriodMinutes: number;
  /** How many consecutive failing periods raise the failing-targets alarm. */
  failurePeriods?: number;
  /** The heartbeat's window, in minutes: see `heartbeatMinutes`. */
  heartbeatMinutes: number;
}

/** The spill-age alarm's threshold: one hour of points waiting, far inside the spill's 90-day expiry. */
export const SPILL_AGE_ALARM_SECONDS = 3_600;

/** The missed-samples alarm's threshold, in percent of SamplesTaken over 15 minutes. */
export const MISSED_PERCENT = 10;

/**
 * The collector's eight alarms: the function fails, targets keep failing, invocations were dropped, the monthly
 * report fails, points are being spilled, spilled points are getting old, the collector is not running, runs
 * start so late that they miss samples.
 */
export class CollectorAlarms extends Construct {
  /** A run threw (points could not be written to InfluxDB) or timed out. */
  readonly errors: Alarm;
  /** Some target failed in every one of the last three periods. */
  readonly targetsFailing: Alarm;
  /** An invocation failed or expired and its event is waiting in the dead-letter queue. */
  readonly deadLetters: Alarm;
  /** An attempt at the monthly report failed. */
  readonly reportErrors: Alarm;
  /** Runs keep spilling: InfluxDB is down or refuses the token. */
  readonly spilling: Alarm;
  /** The oldest spilled batch has waited more than an hour. */
  readonly spillAge: Alarm;
  /** No samples were taken: the collector is not running. */
  readonly heartbeat: Alarm;
  /** More than 10 % of the samples were missed: runs start late. */
  readonly missedSamples: Alarm;

  constructor(scope: Construct, id: string, props: CollectorAlarmsProps) {
    super(scope, id);
    const action = new SnsAction(props.topic);

    // Target failures are data, not errors, so the handler only fails when InfluxDB kept refusing the points
    // or the run timed out: each of those loses data, so one is enough.
    this.errors = new Alarm(this, 'Errors', {
      alarmDescription:
        'The collector failed: points were not written to InfluxDB, or a run timed out. See its logs.',
      metric: props.fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    // One failed sample (a provider's 503, a 429) is routine and retried by the next tick; a target that fails
    // in three periods in a row is broken (bad key, deleted project, host down). The period spans a run of
    // every rule, so a slow rule's failure is seen in each period.
    const periods = props.failurePeriods ?? 3;
    this.targetsFailing = new Alarm(this, 'TargetsFailing', {
      alarmDescription:
        `Targets failed in ${periods} periods in a row. The collector_run measurement in InfluxDB ` +
        '(outcome tag) and the "sample failed" log lines say which target and why.',
      metric: new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: METRIC.samplesFailed,
        dimensionsMap: { service: SERVICE_NAME },
        statistic: 'Sum',
        period: Duration.minutes(props.failurePeriodMinutes),
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: periods,
      datapointsToAlarm: periods,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    // Also catches what the Errors alarm cannot: events that expired while throttled, never having run.
    this.deadLetters = new Alarm(this, 'DeadLetters', {
      alarmDescription:
        'Invocations failed or expired: their events are in the dead-letter queue. Read them, then purge it.',
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    // Each failed attempt counts, also one that a retry then makes good: a report that needed a retry is worth
    // a look (InfluxDB slow or briefly away on the 1st). A month left without a report also raises DeadLetters,
    // which stays in alarm until the queue is read, where this one returns to OK with the next quiet period.
    this.reportErrors = new Alarm(this, 'ReportErrors', {
      alarmDescription:
        'The monthly report failed (InfluxDB unreadable, S3 refused the files, or a timeout). It is retried ' +
        'twice; if DeadLetters follows, the month has no report: see the report function’s logs, then invoke ' +
        'it again with {"time": "<any time in the following month>"}.',
      metric: props.reportFn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    const collectorMetric = (metricName: string, statistic: string, period: Duration) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: SERVICE_NAME },
        statistic,
        period,
      });

    // A run that cannot write succeeds (its points wait in the spill), so without this an InfluxDB outage or a
    // revoked token would be silent. Two of three periods: one spilled batch during an InfluxDB restart is not news.
    this.spilling = new Alarm(this, 'Spilling', {
      alarmDescription:
        'Runs are spilling points instead of writing them: InfluxDB is down, unreachable, or refuses the token ' +
        '(see the "write failed" and "InfluxDB token unreadable" log lines). Points wait in the spill bucket and ' +
        'are replayed once InfluxDB takes them.',
      metric: collectorMetric(METRIC.pointsSpilled, 'Sum', Duration.minutes(5)),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    this.spillAge = new Alarm(this, 'SpillAge', {
      alarmDescription:
        'A spilled batch has waited more than an hour for InfluxDB. Fix InfluxDB or its token: spilled batches ' +
        'expire after 90 days and are then lost.',
      metric: collectorMetric(METRIC.spillAge, 'Maximum', Duration.minutes(5)),
      threshold: SPILL_AGE_ALARM_SECONDS,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    // Every run publishes SamplesTaken; nothing (or 0) means no run: a disabled or deleted schedule, throttling,
    // a deploy that broke the function before it could publish.
    this.heartbeat = new Alarm(this, 'Heartbeat', {
      alarmDescription:
        `No samples were taken for ${props.heartbeatMinutes} minutes: the collector is not running (schedule ` +
        'disabled, throttled, broken deploy). See the function’s logs and the schedules.',
      metric: collectorMetric(METRIC.samplesTaken, 'Sum', Duration.minutes(props.heartbeatMinutes)),
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.BREACHING,
    });

    const window = Duration.minutes(15);
    this.missedSamples = new Alarm(this, 'MissedSamples', {
      alarmDescription:
        `More than ${MISSED_PERCENT} % of the samples of 15 minutes were missed: runs start so late (throttling, ` +
        'cold starts, a slow secret read) that sample windows close before they are reached. See StartDelay.',
      metric: new MathExpression({
        expression: 'IF(taken > 0, 100 * missed / taken, 0)',
        usingMetrics: {
          missed: collectorMetric(METRIC.samplesMissed, 'Sum', window),
          taken: collectorMetric(METRIC.samplesTaken, 'Sum', window),
        },
        period: window,
        label: 'Missed samples (%)',
      }),
      threshold: MISSED_PERCENT,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    for (const alarm of this.all) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
  }

  /** Every alarm, in the order of the README's table. */
  get all(): Alarm[] {
    return [
      this.errors,
      this.targetsFailing,
      this.deadLetters,
      this.reportErrors,
      this.spilling,
      this.spillAge,
      this.heartbeat,
      this.missedSamples,
    ];
  }
}
