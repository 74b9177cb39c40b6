/**
 * The deployed handler, invoked as Lambda invokes it: `node invoke.mjs '<InvokeSpec as JSON>'` imports the
 * handler's bundle (built as `NodejsFunction` builds it), then calls `handler` once per target group, in one
 * process, and prints one line of JSON, an `InvokeResult`. The environment (config path, Secrets Manager
 * endpoint, Powertools settings) comes from the orchestrator. This file imports nothing but types, the
 * argument's reader and the warm-up's check, so the process holds the handler's code and little else of the bench.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import type { CollectEvent, CollectResult } from '../functions/handlers/collect.js';
import { readArgument } from './argument.js';
import type { InvokeResult, InvokeSpec } from './spec.js';
import { assertWarmBefore } from './warm-up.js';

type Handler = (event: CollectEvent, context: Context) => Promise<CollectResult>;

const MINUTE_MS = 60_000;
/**
 * The handler misses a sample whose window closed before the run reached it, and Scheduler sends the minute's
 * start as `time`: an invocation starts in a minute's first seconds, as a scheduled one would.
 */
const LATEST_START_IN_MINUTE_MS = 15_000;

/** What the handler reads of its context: the rest is Lambda's bookkeeping. */
function contextFor(timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  return { getRemainingTimeInMillis: () => deadline - Date.now() } as Context;
}

/** Waits, when needed, for the next minute to start; returns that minute's start, the event's `time`. */
async function scheduledMinute(): Promise<number> {
  const intoMinute = Date.now() % MINUTE_MS;
  if (intoMinute > LATEST_START_IN_MINUTE_MS) await sleep(MINUTE_MS - intoMinute + 200);
  return Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
}

const spec = readArgument<InvokeSpec>(process.argv[2]);
const importStarted = performance.now();
const { handler } = (await import(pathToFileURL(spec.bundle).href)) as { handler: Handler };
const importMs = performance.now() - importStarted;
const rssAfterImportMb = process.memoryUsage().rss / 1e6;

if (spec.warmUp) {
  for (let index = 0; index < spec.warmUp.rounds; index++) {
    // Stamped with the minute it runs in, as a scheduled invocation is: its one-minute targets are then on time.
    const time = new Date(Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS).toISOString();
    const result = await handler({ time, targets: spec.warmUp.targets }, contextFor(spec.timeoutMs));
    // A failing warm-up warms the failure path, not the one measured.
    if (result.failed + result.missed > 0)
      throw new Error(
        `warm-up invocation ${index + 1}: ${result.failed + result.missed} sample(s) not taken`,
      );
  }
  assertWarmBefore(spec.startAt?.[0]);
}

const runs: InvokeResult['runs'] = [];
for (const [index, targets] of spec.groups.entries()) {
  const startAt = spec.startAt?.[index];
  if (startAt !== undefined) await sleep(Math.max(0, startAt - Date.now()));
  const minute =
    startAt === undefined ? await scheduledMinute() : Math.floor(startAt / MINUTE_MS) * MINUTE_MS;
  const time = new Date(minute).toISOString();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await handler({ time, targets }, contextFor(spec.timeoutMs));
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  runs.push({
    wallMs,
    cpuMs: (used.user + used.system) / 1000,
    // maxRSS is in KiB; the bench counts MB as 10^6 bytes throughout.
    peakRssMb: (process.resourceUsage().maxRSS * 1024) / 1e6,
    samples: result.samples,
    failed: result.failed,
    pointsWritten: result.pointsWritten,
  });
}
if (spec.lingerUntil !== undefined) await sleep(Math.max(0, spec.lingerUntil - Date.now()));
const output: InvokeResult = { kind: 'invoke', importMs, rssAfterImportMb, runs };
// Powertools' logger and metrics write to stdout too: the result is the last line.
process.stdout.write(`${JSON.stringify(output)}\n`);
