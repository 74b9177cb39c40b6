import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runProcess } from '../../../devtools/process.js';

const MODULE = fileURLToPath(new URL('../../../functions/runtime/idle-gaps.ts', import.meta.url));

/**
 * A fresh process (V8 flags are process-wide) churns through the old generation and counts its collections by
 * kind: incremental marking is what the memory reducer needs, a major one is an atomic mark-compact.
 */
const CHURN = `
import { constants, PerformanceObserver } from 'node:perf_hooks';
const { keepCompiledCodeAcrossIdleGaps } = await import(${JSON.stringify(MODULE)});
if (process.argv.includes('keep')) keepCompiledCodeAcrossIdleGaps();
const kinds = [];
new PerformanceObserver((list) => { for (const entry of list.getEntries()) kinds.push(entry.detail.kind); })
  .observe({ entryTypes: ['gc'] });
let kept = [];
for (let round = 0; round < 30; round++) {
  for (let index = 0; index < 100_000; index++) kept.push({ index, text: 'x' + index });
  if (kept.length > 1_000_000) kept = [];
  await new Promise((resolve) => setImmediate(resolve));
}
await new Promise((resolve) => setTimeout(resolve, 50));
const count = (kind) => kinds.filter((one) => one === kind).length;
console.log(JSON.stringify({
  incremental: count(constants.NODE_PERFORMANCE_GC_INCREMENTAL),
  major: count(constants.NODE_PERFORMANCE_GC_MAJOR),
}));
`;

async function collections(keep: boolean): Promise<{ incremental: number; major: number }> {
  const { code, stdout, stderr } = await runProcess(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '--eval', CHURN, ...(keep ? ['keep'] : [])],
    { timeoutMs: 60_000 },
  );
  if (code !== 0) throw new Error(`the churning process exited with ${code}: ${stderr}`);
  return JSON.parse(stdout);
}

describe('keepCompiledCodeAcrossIdleGaps', () => {
  it('leaves full collections to the old generation’s limit, with no incremental marking to start between ticks', async () => {
    const [untouched, kept] = await Promise.all([collections(false), collections(true)]);
    // The control shows the churn reaches the old generation's limit at all.
    expect(untouched.incremental).toBeGreaterThan(0);
    expect(kept).toEqual({ incremental: 0, major: expect.any(Number) });
    expect(kept.major).toBeGreaterThan(0);
  });
});
