import { describe, expect, it } from 'vitest';
import {
  ASSUMED_LATENCY_MS,
  CPU_MS_PER_SAMPLE,
  estimatedTickMs,
  MB_PER_VCPU,
  maxSamplesPerTick,
} from '../../../functions/schedule/lambda.js';

const AT_256 = { inFlight: 32, memoryMb: 256 };

describe('estimatedTickMs', () => {
  it('is the wait for the answers when the CPU share is ample', () => {
    expect(estimatedTickMs(100, { inFlight: 32, memoryMb: MB_PER_VCPU })).toBe(4 * ASSUMED_LATENCY_MS);
  });
  it('is the CPU time stretched by the memory share when that is longer', () => {
    const samples = 1_000;
    expect(estimatedTickMs(samples, { inFlight: 1_000, memoryMb: 256 })).toBeCloseTo(
      (samples * CPU_MS_PER_SAMPLE * MB_PER_VCPU) / 256,
    );
    expect(estimatedTickMs(samples, { inFlight: 1_000, memoryMb: 128 })).toBeCloseTo(
      2 * estimatedTickMs(samples, { inFlight: 1_000, memoryMb: 256 }),
    );
  });
});

describe('maxSamplesPerTick', () => {
  it.each([3_000, 5_000, 10_000, 30_000, 60_000])(
    'fits in half of a %i ms interval, and one more would not',
    (interval) => {
      const most = maxSamplesPerTick(interval, AT_256);
      expect(estimatedTickMs(most, AT_256)).toBeLessThanOrEqual(interval / 2);
      expect(estimatedTickMs(most + 1, AT_256)).toBeGreaterThan(interval / 2);
    },
  );
  it('takes fewer samples at less memory when the CPU bounds the tick', () => {
    const wide = { inFlight: 1_000, memoryMb: 256 };
    expect(maxSamplesPerTick(10_000, { ...wide, memoryMb: 128 })).toBeLessThan(
      maxSamplesPerTick(10_000, wide),
    );
  });
  it('is at least one sample', () => {
    expect(maxSamplesPerTick(1, AT_256)).toBe(1);
  });
});
