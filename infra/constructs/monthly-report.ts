import { CfnOutput, Duration } from 'aws-cdk-lib';
import type { Role } from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  ContextAttribute,
  type IScheduleGroup,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
  TimeWindow,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CollectorFunction, type CollectorFunctionProps } from './collector-function.js';
import type { CollectorSecrets } from './collector-secrets.js';
import { keepFormerLogicalIds } from './logical-ids.js';
import { ReportBucket } from './report-bucket.js';

/** The monthly report's schedule: 02:00 UTC on the 1st (`cron(0 2 1 * ? *)`); the construct says why then. */
export const REPORT_SCHEDULE = ScheduleExpression.cron({ minute: '0', hour: '2', day: '1' });
/** The report handler's Powertools `service` (its Logger names itself so; the variable keeps them alike). */
const REPORT_SERVICE_NAME = 'concurrency-report';

/**
 * The ids these children had when the stack made them itself; deployed stacks know them by these (see
 * {@link keepFormerLogicalIds}).
 */
const FORMER_IDS = {
  Bucket: 'ReportBucket',
  Function: 'Report',
  FunctionLogs: 'ReportLogs',
  FunctionRole: 'ReportRole',
  Schedule: 'MonthlyReport',
  FunctionName: 'ReportFunctionName',
  LogGroupName: 'ReportLogGroupName',
  BucketName: 'ReportBucketName',
  ScheduleName: 'ReportScheduleName',
} as const;

export interface MonthlyReportProps {
  /** The report handler's source file. */
  entry: string;
  projectRoot: string;
  /** The config file, bundled as the collector's is: the report reads its targets and InfluxDB from it. */
  configFile: string;
  logRetention: RetentionDays;
  /** Where a report that failed all its attempts, or could not be delivered, ends up. */
  deadLetterQueue: IQueue;
  /** The collector's network, security groups included: the report reads the same InfluxDB. */
  network?: CollectorFunctionProps['network'];
  /** The stack's secrets; the report may read only the InfluxDB token among them. */
  secrets: CollectorSecrets;
  /** The InfluxDB token's secret, when InfluxDB wants one. */
  tokenSecret?: string;
  /** The stack's schedule group. */
  scheduleGroup: IScheduleGroup;
  /** The role Scheduler invokes functions with. */
  schedulerRole: Role;
}

/**
 * Last month's figures from InfluxDB, as HTML and CSV, into a bucket of their own: the report function, its
 * bucket, its schedule and their outputs.
 */
export class MonthlyReport extends Construct {
  readonly fn: CollectorFunction;
  readonly bucket: ReportBucket;
  readonly schedule: Schedule;

  constructor(scope: Construct, id: string, props: MonthlyReportProps) {
    super(scope, id);
    this.bucket = new ReportBucket(this, 'Bucket');
    this.fn = new CollectorFunction(this, 'Function', {
      entry: props.entry,
      projectRoot: props.projectRoot,
      configFile: props.configFile,
      description:
        "Writes last month's concurrency report (HTML and CSV) from InfluxDB to the reports bucket",
      roleDescription:
        'Runs the monthly concurrency report: reads the InfluxDB token, writes reports/ of its bucket',
      // InfluxDB computes the figures and the report reads one row per figure, so memory no longer grows with the
      // month; Vega renders a chart per target. `npm run bench` measures the peak of a month of 20 targets at
      // 10 s made as this function makes it (docs/performance.md): well under 512 MB. Most of the time is
      // InfluxDB's, so more memory (and CPU) would buy little; 5 minutes leave room for a slow InfluxDB.
      memorySize: 512,
      timeout: Duration.minutes(5),
      logRetention: props.logRetention,
      onFailure: new SqsDestination(props.deadLetterQueue),
      // Unlike a collector run, a report can be made again at any time with the same result (same period from
      // the event's time, same object keys, overwritten): Lambda retries a failed one twice, and an event may
      // wait out throttling for hours.
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      environment: { REPORT_BUCKET: this.bucket.bucketName, POWERTOOLS_SERVICE_NAME: REPORT_SERVICE_NAME },
      ...(props.network ? { network: props.network } : {}),
    });
    // The grant's acknowledgement names the bucket by its logical ID: the former one, set before it.
    keepFormerLogicalIds(this, FORMER_IDS);
    this.bucket.grantReportWrite(this.fn.role as Role);
    // The InfluxDB token only: a report never calls a provider, so it may not read their keys.
    if (props.tokenSecret) props.secrets.grantRead(this.fn, [props.tokenSecret]);

    // 02:00 UTC on the 1st: the month's last samples were written within a minute of midnight, and spilled
    // batches have had two hours of runs to be replayed. Scheduler retries only an invocation it could not hand
    // to Lambda; failed runs are Lambda's to retry (above). The scheduled time picks the month, so a late
    // delivery still reports the month before.
    this.schedule = new Schedule(this, 'Schedule', {
      description: "On the 1st at 02:00 UTC: last month's concurrency report to the reports bucket",
      schedule: REPORT_SCHEDULE,
      scheduleGroup: props.scheduleGroup,
      timeWindow: TimeWindow.off(),
      target: new LambdaInvoke(this.fn, {
        input: ScheduleTargetInput.fromObject({ time: ContextAttribute.scheduledTime }),
        retryAttempts: 2,
        maxEventAge: Duration.hours(24),
        deadLetterQueue: props.deadLetterQueue,
        role: props.schedulerRole,
      }),
    });

    new CfnOutput(this, 'FunctionName', {
      value: this.fn.functionName,
      description: 'The monthly report function',
    });
    new CfnOutput(this, 'LogGroupName', {
      value: this.fn.logGroup.logGroupName,
      description: "The report function's logs",
    });
    new CfnOutput(this, 'BucketName', {
      value: this.bucket.bucketName,
      description: 'Monthly reports: reports/<yyyy-mm>/concurrency-report-<yyyy-mm>.html and .csv',
    });
    new CfnOutput(this, 'ScheduleName', {
      value: this.schedule.scheduleName,
      description: `${REPORT_SCHEDULE.expressionString}: the report of the month before`,
    });
    keepFormerLogicalIds(this, FORMER_IDS);
  }
}
