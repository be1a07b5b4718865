import type { ViteUserConfig } from 'vitest/config';

/** The shared vitest config (unit and int projects, coverage of src/); see vitest-config.js. */
declare const config: ViteUserConfig;
export default config;
