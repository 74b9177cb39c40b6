import * as z from 'zod';
import { ADAPTERS } from '../providers/registry.js';
import type { Adapter, AnyAdapter, BaseTarget } from '../providers/types.js';
import { durationSchema, formatDuration } from '../time/duration.js';
import { DAY_DIVISORS_H, DAY_MS, HOUR_DIVISORS_MIN, MINUTE_MS } from '../time/units.js';
import { kmsKeyArnSchema, secretReferenceSchema } from './secret-ref.js';

/** Tags the data contract owns; a target's static tags may not overwrite them. */
export const RESERVED_TAGS = [
  'provider',
  'endpoint',
  'target',
  'project',
  'outcome',
  'project_name',
  'region',
];

/** Credentials in a URL travel with it into every message that names it. */
function hasNoUserInfo(url: string): boolean {
  const parsed = URL.parse(url);
  return parsed === null || (parsed.username === '' && parsed.password === '');
}
const tagsSchema = z
  .record(
    z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'tag keys are letters, digits and _' })
      .refine((key) => !RESERVED_TAGS.includes(key), {
        message: `reserved tag (${RESERVED_TAGS.join(', ')})`,
      }),
    z.string().min(1),
  )
  .describe('Static tags added to every `concurrency` point of this target.');

/** The keys every target has, whatever its endpoint. */
const commonTargetShape = {
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
      message: 'expected 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit',
    })
    .describe('Unique name of the target: the `target` tag.'),
  secret: secretReferenceSchema.describe(
    "Name or full ARN of the Secrets Manager secret holding this provider's credentials.",
  ),
  interval: durationSchema.describe(
    'Time between samples: a divisor of a minute ("5s", "10s", "30s") or whole minutes ("1m", "5m").',
  ),
  timeout: durationSchema
    .prefault('10s')
    .describe('How long one attempt may take, body included. Default "10s".'),
  baseUrl: z
    .url({ protocol: /^https?$/, message: 'expected an http(s) URL' })
    .refine(hasNoUserInfo, {
      message: "user:password@ in the URL would be printed with it; credentials go in the target's secret",
      abort: true,
    })
    .optional()
    .describe("Overrides the provider's production host (a simulator, a proxy, a staging host)."),
  tags: tagsSchema.prefault({}),
  capacity: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      'Concurrent users the plan or setup allows (stream slots, a connection cap); written as the `capacity` field of ' +
        "every `concurrency` point. A target with the `plan` figures takes its plan's `plan_max_connections` unless " +
        'this overrides it; a target that discovers its projects applies it to the account total.',
    ),
};

function targetSchemaOf(adapter: AnyAdapter) {
  return z.strictObject({
    endpoint: z.literal(adapter.endpoint),
    ...commonTargetShape,
    ...adapter.targetShape,
  });
}

const [first, ...rest] = ADAPTERS.map(targetSchemaOf);
const targetUnion = z.discriminatedUnion('endpoint', [first as ReturnType<typeof targetSchemaOf>, ...rest], {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? `expected one of ${ADAPTERS.map((adapter) => `"${adapter.endpoint}"`).join(', ')}`
      : undefined,
});

/**
 * Whether the schedule can keep this interval exactly. EventBridge fires at most once a minute, so sub-minute
 * intervals are sampled inside a run and must divide the minute; longer ones are cron schedules on the clock
 * (samples are stamped with multiples of the interval), so they must divide an hour or a day.
 */
export function intervalProblem(intervalMs: number): string | undefined {
  const text = formatDuration(intervalMs);
  if (intervalMs < MINUTE_MS) {
    return MINUTE_MS % intervalMs === 0
      ? undefined
      : `${text} does not divide a minute evenly (use 5s, 6s, 10s, 12s, 15s, 20s or 30s)`;
  }
  if (intervalMs % MINUTE_MS !== 0) return `${text} is not a whole number of minutes`;
  if (intervalMs > DAY_MS) return `${text} is longer than a day`;
  const minutes = intervalMs / MINUTE_MS;
  if (HOUR_DIVISORS_MIN.includes(minutes) || (minutes % 60 === 0 && DAY_DIVISORS_H.includes(minutes / 60))) {
    return undefined;
  }
  return (
    `${text} cannot be scheduled on its own multiples: use a divisor of an hour ` +
    `(${HOUR_DIVISORS_MIN.slice(1)
      .map((m) => `${m}m`)
      .join(', ')}) or of a day (${DAY_DIVISORS_H.map((h) => `${h}h`).join(', ')})`
  );
}

const targetSchema = targetUnion.superRefine((parsed, ctx) => {
  const target = parsed as unknown as BaseTarget;
  const adapter = ADAPTERS.find((candidate) => candidate.endpoint === target.endpoint) as AnyAdapter;
  for (const problem of adapter.checkTarget?.(target) ?? []) {
    ctx.addIssue({ code: 'custom', path: [problem.key], message: problem.message });
  }
  // A duration that is not one has been reported already; judging its text as a number would garble a second.
  const timed = typeof target.interval === 'number' && typeof target.timeout === 'number';
  if (timed && target.interval < adapter.floorMs) {
    ctx.addIssue({
      code: 'custom',
      path: ['interval'],
      message: `${formatDuration(target.interval)} is below ${adapter.endpoint}'s ${adapter.floorMs / 1000} s floor (${adapter.floorSource})`,
    });
  }
  const problem = timed ? intervalProblem(target.interval) : undefined;
  if (problem) ctx.addIssue({ code: 'custom', path: ['interval'], message: problem });
  if (timed && target.timeout > MINUTE_MS) {
    ctx.addIssue({ code: 'custom', path: ['timeout'], message: 'at most 1m: a run lasts about a minute' });
  }
});

const influxSchema = z
  .strictObject({
    url: z
      .url({ protocol: /^https?$/, message: 'expected an http(s) URL' })
      .refine(hasNoUserInfo, {
        message:
          'user:password@ in the URL is never used to sign in and would be printed with the URL; ' +
          'remove it and put the credentials in the secret named by tokenSecret',
        abort: true,
      })
      .describe('InfluxDB base URL, without user:password@ (credentials go in `tokenSecret`).'),
    apiVersion: z
      .union([z.literal(1), z.literal(2)])
      .default(2)
      .describe('2: `/api/v2/write` (InfluxDB 2.x, 3.x, Cloud, Timestream); 1: `/write` of InfluxDB 1.x.'),
    org: z.string().min(1).optional().describe('apiVersion 2: organisation.'),
    bucket: z.string().min(1).optional().describe('apiVersion 2: bucket; `db/rp` reaches a 1.8+ database.'),
    database: z.string().min(1).optional().describe('apiVersion 1: database.'),
    retentionPolicy: z
      .string()
      .min(1)
      .optional()
      .describe('apiVersion 1: retention policy (default policy if unset).'),
    tokenSecret: secretReferenceSchema
      .optional()
      .describe(
        'Secret (name or full ARN) with `{"token"}` (v2) or `{"username","password"}` (v1); none for an open server.',
      ),
    timeout: durationSchema.prefault('10s').describe('Timeout of one write request. Default "10s".'),
  })
  .superRefine((influx, ctx) => {
    const needs = influx.apiVersion === 2 ? ['bucket'] : ['database'];
    const forbids = influx.apiVersion === 2 ? ['database', 'retentionPolicy'] : ['org', 'bucket'];
    for (const key of needs) {
      if (influx[key as keyof typeof influx] === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `required when apiVersion is ${influx.apiVersion}`,
        });
      }
    }
    for (const key of forbids) {
      if (influx[key as keyof typeof influx] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `not used when apiVersion is ${influx.apiVersion}`,
        });
      }
    }
  });

const deploySchema = z
  .strictObject({
    shardSize: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(200)
      .describe(
        'Targets one Lambda invocation polls at most; larger interval groups are split into shards. Default 200.',
      ),
    createSecrets: z
      .boolean()
      .default(false)
      .describe(
        'Create the named secrets (empty, with the right JSON keys) instead of importing existing ones.',
      ),
    kmsKeyArn: kmsKeyArnSchema
      .optional()
      .describe(
        'The customer-managed KMS key the secrets are encrypted with, if not the AWS-managed one: the functions ' +
          'may decrypt with it only through Secrets Manager.',
      ),
    logRetentionDays: z
      .number()
      .int()
      .min(1)
      .default(30)
      .describe("Days the functions' CloudWatch logs are kept. Default 30."),
  })
  .describe('How `cdk deploy` builds the stack; the CLI ignores it.');

/** The collector's configuration file: the single source of truth for the CLI, the Lambda and the stack. */
export const configSchema = z
  .strictObject({
    $schema: z.string().optional().describe('Path or URL of this JSON Schema, for editors.'),
    influx: influxSchema,
    targets: z.array(targetSchema).min(1, { message: 'at least one target is needed' }),
    concurrency: z
      .number()
      .int()
      .min(1)
      .max(256)
      .default(32)
      .describe('How many requests one run has in flight at most. Default 32.'),
    maxInFlightPerAccount: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(4)
      .describe(
        'Requests in flight at most per provider account (where the provider caps them per account), project listings included, ' +
          'shared by every target of the account. Default 4.',
      ),
    maxAttempts: z
      .number()
      .int()
      .min(1)
      .max(5)
      .default(3)
      .describe(
        "Attempts per sample for retryable failures (timeouts, resets, 5xx); one while the target's last sample timed out. Default 3.",
      ),
    deploy: deploySchema.prefault({}),
  })
  .superRefine(
    (config, ctx) => {
      const seen = new Map<string, number>();
      (config.targets as unknown[]).forEach((target, index) => {
        // Runs on input that may have failed elsewhere: only entries that do have a name take part.
        const name = (target as { name?: unknown } | null)?.name;
        if (typeof name !== 'string') return;
        const earlier = seen.get(name);
        if (earlier !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['targets', index, 'name'],
            message: `"${name}" is already the name of targets[${earlier}]: names must be unique`,
          });
        }
        seen.set(name, index);
      });
    },
    // Duplicate names are worth reporting even while other keys of the file are still wrong.
    { when: (payload) => Array.isArray((payload.value as { targets?: unknown })?.targets) },
  );

// An endpoint that adds no keys adds `{}` (zod's output of an empty shape is a record of `never`).
type ShapeOf<A> =
  A extends Adapter<infer Shape, z.ZodType>
    ? keyof Shape extends never
      ? object
      : z.output<z.ZodObject<Shape>>
    : never;

/** A validated target: the common keys plus those of its endpoint (durations in milliseconds). */
export type Target = BaseTarget & ShapeOf<(typeof ADAPTERS)[number]>;

type InfluxCommon = Omit<
  z.output<typeof influxSchema>,
  'apiVersion' | 'org' | 'bucket' | 'database' | 'retentionPolicy'
>;

/** Where points go: the keys of each API version, as the schema's check of `apiVersion` guarantees them. */
export type InfluxConfig = InfluxCommon &
  (
    | { apiVersion: 2; org?: string; bucket: string; database?: never; retentionPolicy?: never }
    | { apiVersion: 1; database: string; retentionPolicy?: string; org?: never; bucket?: never }
  );

/** A validated configuration, defaults applied and durations in milliseconds. */
export type Config = Omit<z.output<typeof configSchema>, 'targets' | 'influx'> & {
  targets: Target[];
  influx: InfluxConfig;
};
export type ConfigInput = z.input<typeof configSchema>;
