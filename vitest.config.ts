import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Integration tests bind loopback ports and share one CPU pair; files run in parallel, tests within a file do not.
    pool: 'forks'
  }
})
