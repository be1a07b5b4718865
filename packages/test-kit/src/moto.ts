import { inject } from 'vitest';
// Brings the ProvidedContext augmentation (motoEndpoint) into every program that imports this file.
import type {} from './global-setup.js';

/**
 * Base URL of the moto server for the current test run: env `MOTO_ENDPOINT` (set by the
 * global setup, or by you to reuse a running server), else the value provided by the setup.
 *
 * @throws Error when neither is available: a unit test (not `*.int.test.ts`) or a config without the
 *   global setup.
 */
export function motoEndpoint(): string {
  const fromEnv = process.env.MOTO_ENDPOINT;
  if (fromEnv) return fromEnv.replace(/\/+$/, '');
  let provided: string | undefined;
  try {
    provided = inject('motoEndpoint');
  } catch {
    provided = undefined;
  }
  if (provided) return provided;
  throw new Error(
    'No moto endpoint: a test that needs moto must be named *.int.test.ts (only the int project of ' +
      '@ddb-migrate/test-kit/vitest-config starts moto; elsewhere set MOTO_ENDPOINT)',
  );
}
