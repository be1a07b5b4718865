/** The `replay-dlq` command line for a queue, a source and a target table reached through a role. */
export function replayDlqArgs(opts: {
  queueUrl: string;
  source: string;
  target: string;
  roleArn: string;
}): string[] {
  return [
    'replay-dlq',
    '--queue-url',
    opts.queueUrl,
    '--source-region',
    'us-east-1',
    '--source-table-name',
    opts.source,
    '--target-table-name',
    opts.target,
    '--target-role-arn',
    opts.roleArn,
  ];
}
