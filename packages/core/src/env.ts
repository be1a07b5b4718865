import { ConfigError } from './errors.js';

/** The environment to read from: `process.env` at an entry point, a plain object in tests. */
export type Env = Readonly<Record<string, string | undefined>>;

function raw(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** Reads a required string; fails naming the variable when it is missing. */
export function getStringFromEnv(env: Env, name: string, options: { default?: string } = {}): string {
  const value = raw(env, name) ?? options.default;
  if (value === undefined) {
    throw new ConfigError(`Environment variable ${name} is required but not set`, {
      hint: `Set ${name} on the function or in the shell`,
      code: 'ENV_MISSING',
    });
  }
  return value;
}

/** Reads an optional string; `undefined` when unset or blank. */
export function getOptionalStringFromEnv(env: Env, name: string): string | undefined {
  return raw(env, name);
}

/** Reads an integer within bounds; fails naming the variable when it is malformed. */
export function getIntFromEnv(
  env: Env,
  name: string,
  options: { default?: number; min?: number; max?: number } = {},
): number {
  const text = raw(env, name);
  if (text === undefined) {
    if (options.default !== undefined) return options.default;
    throw new ConfigError(`Environment variable ${name} is required but not set`, { code: 'ENV_MISSING' });
  }
  if (!/^-?\d+$/.test(text)) {
    throw new ConfigError(`Environment variable ${name} must be an integer, got "${text}"`, {
      code: 'ENV_INVALID',
    });
  }
  const value = Number(text);
  if (
    (options.min !== undefined && value < options.min) ||
    (options.max !== undefined && value > options.max)
  ) {
    throw new ConfigError(
      `Environment variable ${name} must be between ${options.min ?? '-inf'} and ${options.max ?? 'inf'}, got ${value}`,
      { code: 'ENV_INVALID' },
    );
  }
  return value;
}

/** Reads one of a fixed set of values; fails listing the allowed values. */
export function getEnumFromEnv<T extends string>(
  env: Env,
  name: string,
  allowed: readonly T[],
  options: { default?: T } = {},
): T {
  const text = raw(env, name) ?? options.default;
  if (text === undefined) {
    throw new ConfigError(`Environment variable ${name} is required but not set`, { code: 'ENV_MISSING' });
  }
  if (!(allowed as readonly string[]).includes(text)) {
    throw new ConfigError(
      `Environment variable ${name} must be one of ${allowed.join(', ')}, got "${text}"`,
      {
        code: 'ENV_INVALID',
      },
    );
  }
  return text as T;
}
