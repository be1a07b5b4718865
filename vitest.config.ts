import { defineConfig } from 'vitest/config';

// Root config: `pnpm vitest` runs every package's tests as one multi-project run.
export default defineConfig({
  test: { projects: ['packages/*', 'apps/*'] },
});
