import { afterEach, describe, expect, it, vi } from 'vitest';
import { cli } from './support/run-cli.js';

// No AWS: every run here stops at flag validation. The closed endpoint makes sure that a run which
// got past it (the code before these fixes) fails instead of reaching anything.
const CLOSED = ['--endpoint-url', 'http://127.0.0.1:9'];
const SIDES = ['--source-region', 'us-east-1', '--source-table-name', 'orders', ...CLOSED];
const ROLE = 'arn:aws:iam::222222222222:role/migrator';

const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

/** The help text of `args --help` (yargs prints it with console.log). */
async function help(args: string[]): Promise<string> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    const run = await cli([...args, '--help'], {});
    expect(run.code).toBe(0);
    return log.mock.calls.map((call) => call.join(' ')).join('\n');
  } finally {
    log.mockRestore();
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('conflicting target flags are refused in one line (exit 2)', () => {
  it.each([
    { name: 'cdc run', command: ['cdc', 'run'] },
    { name: 'verify', command: ['verify'] },
    { name: 'migrate', command: ['migrate', '--target-table-name', 'orders2'] },
    {
      name: 'replay-dlq',
      command: ['replay-dlq', '--dlq-url', 'https://sqs.us-east-1.amazonaws.com/123456789012/dlq'],
    },
  ])('$name: --target-profile with --target-role-arn', async ({ command }) => {
    const run = await cli(
      [...command, ...SIDES, '--target-profile', 'target', '--target-role-arn', ROLE],
      {},
    );

    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toEqual([
      expect.stringMatching(
        /^Error: --target-profile and --target-role-arn both say how to reach the target/,
      ),
    ]);
  });

  it('--target-profile with --target-account-id and --target-role-name', async () => {
    const run = await cli(
      [
        'cdc',
        'run',
        ...SIDES,
        '--target-profile',
        'target',
        '--target-account-id',
        '222222222222',
        '--target-role-name',
        'migrator',
      ],
      {},
    );
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toEqual([expect.stringMatching(/--target-profile and --target-role-name/)]);
  });

  it('--target-role-name without a target account, and a role ARN naming another role', async () => {
    const alone = await cli(['verify', ...SIDES, '--target-role-name', 'migrator'], {});
    expect(alone.code).toBe(2);
    expect(lines(alone.stderr)).toEqual([
      expect.stringMatching(/--target-role-name migrator needs --target-account-id/),
    ]);

    const both = await cli(
      ['verify', ...SIDES, '--target-role-arn', ROLE, '--target-role-name', 'other'],
      {},
    );
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/name different roles/);
  });

  it('--source-region and --region that disagree', async () => {
    const run = await cli(['cdc', 'run', ...SIDES, '--region', 'eu-west-1'], {});
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toEqual([
      expect.stringMatching(/--source-region us-east-1 and --region eu-west-1 disagree/),
    ]);
  });
});

describe('a bad number is shown as given, never as NaN (exit 2)', () => {
  it.each([
    {
      name: 'migrate --max-wcu',
      args: ['migrate', ...SIDES, '--target-table-name', 'orders2', '--max-wcu', 'lots'],
      message: /--max-wcu must be an integer .*\(got "lots"\)/,
    },
    {
      name: 'cdc run --batch-size',
      args: ['cdc', 'run', ...SIDES, '--batch-size', '10k'],
      message: /--batch-size must be an integer from 1 to 10000 \(got "10k"\)/,
    },
    {
      name: 'verify --segments',
      args: ['verify', ...SIDES, '--segments', 'four'],
      message: /--segments must be an integer of at least 1 \(got "four"\)/,
    },
    {
      name: 'replay-dlq --max-messages',
      args: [
        'replay-dlq',
        ...SIDES,
        '--queue-url',
        'https://sqs.us-east-1.amazonaws.com/123456789012/dlq',
        '--max-messages',
        'all',
      ],
      message: /--max-messages must be an integer of at least 1 \(got "all"\)/,
    },
  ])('$name', async ({ args, message }) => {
    const run = await cli(args, {});

    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toEqual([expect.stringMatching(message)]);
    expect(run.stderr).not.toMatch(/NaN/);
  });
});

describe('one name per idea, the old names kept as aliases', () => {
  it.each([['--dlq-url'], ['--queue-url'], ['--queue']])('replay-dlq takes the queue as %s', async (flag) => {
    const run = await cli(['replay-dlq', ...SIDES, flag, 'not-a-url'], {});

    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toEqual([
      expect.stringMatching(/^Error: --dlq-url "not-a-url" is not an SQS queue URL/),
    ]);
  });

  it('cdc run keeps its checkpoint in --state-dir (alias --checkpoint-dir), like migrate; every command names the queue --dlq-url', async () => {
    const cdc = await help(['cdc', 'run']);
    expect(cdc).toMatch(/--state-dir, --checkpoint-dir/);
    expect(cdc).toMatch(/--dlq-url, --queue-url, --queue/);
    expect(await help(['migrate'])).toMatch(/--dlq-url, --queue-url, --queue/);
    expect(await help(['replay-dlq'])).toMatch(/--dlq-url, --queue-url, --queue/);
  });

  it('migrate and bootstrap poll with --poll-seconds (alias --poll-interval)', async () => {
    expect(await help(['migrate'])).toMatch(/--poll-seconds, --poll-interval/);
    expect(await help(['bootstrap'])).toMatch(/--poll-seconds, --poll-interval/);
  });

  it("bootstrap's deploying role is --target-admin-role-name/-arn, not migrate's --target-role-name (kept as aliases)", async () => {
    const text = await help(['bootstrap']);
    expect(text).toMatch(/--target-admin-role-name, --target-role-name/);
    expect(text).toMatch(/--target-admin-role-arn, --target-role-arn/);
  });

  it('--region and --profile, as in the AWS CLI, for every command with a source side', async () => {
    for (const command of [['migrate'], ['plan'], ['verify'], ['cdc', 'run'], ['replay-dlq']]) {
      const text = await help(command);
      expect(text, command.join(' ')).toMatch(/--region\s+Default of --source-region/);
      expect(text, command.join(' ')).toMatch(/--profile\s+Default of --source-profile/);
    }
  });
});

describe('help shows what matters', () => {
  it('migrate --help shows the choices of --load-mode and --cdc-mode', async () => {
    const text = await help(['migrate']);
    expect(text).toMatch(/--load-mode[\s\S]*\[choices: "auto", "import", "write"\]/);
    expect(text).toMatch(/--cdc-mode[\s\S]*\[choices: "lambda", "local", "none"\]/);
  });

  it('plan --help leaves out the flags that only change how a migration runs (still accepted)', async () => {
    const text = await help(['plan']);
    for (const flag of ['--yes', '--dry-run', '--stop-after-idle', '--poll-seconds', '--write-concurrency']) {
      expect(text).not.toContain(flag);
    }
    expect(text).toContain('--load-mode');
    expect(await help(['migrate'])).toContain('--stop-after-idle');
  });

  it('verify merge --help lists only its own flags and the global ones', async () => {
    const text = await help(['verify', 'merge']);
    for (const flag of ['--target-role-name', '--source-account-id', '--segments', '--repair', '--max-rcu']) {
      expect(text).not.toContain(flag);
    }
    expect(text).toContain('--report');
    expect(text).toContain('--output');
  });
});
