import { defineConfig } from 'vitest/config';

// "source" resolves workspace packages to their TypeScript sources, so tests need no prior build.
// No "module" condition: it makes Node load the AWS SDK's bundler-only dist-es files (extensionless imports).
const conditions = ['source', 'node', 'import', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['@ddb-migrate/test-kit/global-setup'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
