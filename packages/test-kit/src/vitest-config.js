// JavaScript, not TypeScript: Vite bundles a vitest.config.ts but loads the packages it imports with plain
// Node, which (Node 20) cannot load .ts. src/vitest-config.d.ts gives it its type.
import { defineConfig } from 'vitest/config';

// "source" resolves workspace packages to their TypeScript sources, so tests need no prior build.
// No "module" condition: it makes Node load the AWS SDK's bundler-only dist-es files (extensionless imports).
const conditions = ['source', 'node', 'import', 'default'];

/** Files of the int project: tests that need moto (or any server outside the test process). */
const INT_TESTS = 'test/**/*.int.test.ts';

/**
 * The vitest config every package shares (Turborepo's with-vitest example); a package's
 * `vitest.config.ts` re-exports it. Two projects:
 * - `unit`: every `test/**\/*.test.ts` but `*.int.test.ts`; pure, no moto. `MOTO_ENDPOINT` is blanked
 *   there, so a unit test that reaches for moto fails with test-kit's "No moto endpoint" message
 *   instead of passing on the server another project started.
 * - `int`: `test/**\/*.int.test.ts`, with the test-kit global setup that starts moto.
 *
 * `vitest run` runs both (`--coverage` adds a summary of src/), `vitest run --project unit` only the
 * unit tests (moto is not started).
 *
 * @example
 * ```ts
 * // packages/<name>/vitest.config.ts
 * export { default } from '@ddb-migrate/test-kit/vitest-config';
 * ```
 */
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['source'] } },
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    coverage: {
      provider: 'v8',
      include: ['src/**'],
      reporter: ['text-summary', 'json-summary'],
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [INT_TESTS],
          // Forked workers would otherwise inherit the URL the int project's setup puts in process.env.
          env: { MOTO_ENDPOINT: '' },
        },
      },
      {
        extends: true,
        test: {
          name: 'int',
          include: [INT_TESTS],
          globalSetup: ['@ddb-migrate/test-kit/global-setup'],
        },
      },
    ],
  },
});
