import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from './errors.js';

/** Which local path a file-system call used, in the user's words. */
export interface LocalPath {
  /** The path the call used (a file, or the directory itself). */
  path: string;
  /** What it is, for the message: `State dir`, `Report file`, `Checkpoint file`. */
  label: string;
  /** The flag that sets it (`--state-dir`), named in the fix; left out where no flag sets it. */
  flag?: string;
}

/** Node's error codes for a local path the user can fix. */
const PATH_CODES = new Set(['ENOTDIR', 'EISDIR', 'ENOENT', 'EACCES', 'EPERM', 'EROFS', 'EEXIST']);

/**
 * Turns a Node file-system error about a path the user chose (a state dir that is a file, a
 * report in a directory that does not exist, no permission) into a {@link ConfigError} (code
 * `LOCAL_PATH_INVALID`, bad input) that names the path and the fix. Undefined for any other
 * error, which the caller rethrows as it is.
 *
 * @example
 * try { await mkdir(dir, { recursive: true }); } catch (error) {
 *   throw localPathError(error, { path: dir, label: 'State dir', flag: '--state-dir' }) ?? error;
 * }
 */
export function localPathError(error: unknown, where: LocalPath): ConfigError | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string' || !PATH_CODES.has(code)) return undefined;
  const failedPath = (error as NodeJS.ErrnoException).path ?? where.path;
  const other = (alternative: string) =>
    where.flag ? `pass ${where.flag} ${alternative}` : `use ${alternative}`;
  const problem = (message: string, hint: string) =>
    new ConfigError(`${where.label} ${where.path}: ${message}`, {
      code: 'LOCAL_PATH_INVALID',
      hint: hint.charAt(0).toUpperCase() + hint.slice(1),
      cause: error,
    });
  switch (code) {
    case 'ENOTDIR':
    case 'EEXIST': {
      const file = firstNonDirectory(failedPath) ?? failedPath;
      return problem(
        `${file} is a file, not a directory`,
        `move ${file} away or ${other('another directory')}`,
      );
    }
    case 'EISDIR':
      return problem(`${failedPath} is a directory`, other('a file name, e.g. inside that directory'));
    case 'ENOENT': {
      const missing = firstMissing(failedPath) ?? failedPath;
      return missing === resolve(failedPath)
        ? problem(`${missing} does not exist`, `check the path, or ${other('an existing one')}`)
        : problem(
            `directory ${missing} does not exist`,
            `create it (mkdir -p ${dirname(resolve(failedPath))}) or ${other('a path in an existing directory')}`,
          );
    }
    default:
      return problem(
        `permission denied (${code} on ${failedPath})`,
        `fix its permissions or ${other('a path you may write')}`,
      );
  }
}

/** stat, or undefined when the path does not exist or cannot be stat'ed (ENOTDIR under a file). */
function statOrUndefined(path: string) {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** The nearest ancestor-or-self of `path` that exists and is not a directory. */
function firstNonDirectory(path: string): string | undefined {
  for (let p = resolve(path); ; p = dirname(p)) {
    const stat = statOrUndefined(p);
    if (stat && !stat.isDirectory()) return p;
    if (dirname(p) === p) return undefined;
  }
}

/** The outermost ancestor-or-self of `path` that does not exist. */
function firstMissing(path: string): string | undefined {
  let missing: string | undefined;
  for (let p = resolve(path); ; p = dirname(p)) {
    if (statOrUndefined(p)) return missing;
    missing = p;
    if (dirname(p) === p) return missing;
  }
}
