import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // influxd, cdk synth and esbuild are real processes: give them room on a shared 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    allowOnly: false,
    passWithNoTests: false,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
