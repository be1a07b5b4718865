import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type {
  DynamoDBClient,
  ExportDescription,
  ExportTableToPointInTimeCommandInput,
} from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { canonicalKey, extractKey, type Item, type KeyNames, toDynamoJson } from '@ddb-migrate/core';
import { sdkError } from '@ddb-migrate/test-kit';

/**
 * A model of DynamoDB incremental exports for tests, since moto exports the whole table whatever
 * ExportType says. It follows:
 * - the API reference of ExportTableToPointInTime and IncrementalExportSpecification
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ExportTableToPointInTime.html,
 *   https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_IncrementalExportSpecification.html):
 *   ExportFromTime inclusive, ExportToTime exclusive, ExportViewType NEW_AND_OLD_IMAGES | NEW_IMAGE,
 *   a ClientToken makes a repeated request return the same export;
 * - the Developer Guide's "DynamoDB table export output format", incremental export output
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataExport.Output.html) and
 *   "DynamoDB incremental export" / the launch blog
 *   (https://aws.amazon.com/blogs/database/introducing-incremental-export-from-amazon-dynamodb-to-amazon-s3/):
 *   manifests under `<prefix>/AWSDynamoDB/<exportId>/` (manifest-summary.json version 2023-08-01,
 *   manifest-files.json JSON lines), gzip JSON-lines data files in the shared
 *   `<prefix>/AWSDynamoDB/data/`, one line per changed item compacted to its final state in the
 *   window: `{"Metadata":{"WriteTimestampMicros":{"N":…}},"Keys":…,"NewImage":…,"OldImage":…}`,
 *   NewImage absent for a delete (NEW_IMAGE: a delete has the keys only); an empty file for an
 *   empty partition.
 *
 * The changes are the test's log (epoch ms), so what each window holds follows from the times the
 * engine asks for. Every other command goes to the real (moto) client.
 */
export interface ModelledChange {
  at: number;
  key: Item;
  /** The item after the change; undefined for a delete. */
  image?: Item;
}

/** How the model writes one window (by its position in the order of requests). */
export interface WindowQuirks {
  /** Write this view whatever the request asked (the applier must read both). */
  view?: 'NEW_AND_OLD_IMAGES' | 'NEW_IMAGE';
  /** One line per change instead of per item, older lines in later files (newest write must win). */
  uncompacted?: boolean;
  /** DescribeExport answers IN_PROGRESS this many times first. */
  inProgressPolls?: number;
  /** The first request's response is lost (a 500 after the export was created): the retry must return it. */
  loseFirstResponse?: boolean;
}

export interface ModelledExport {
  arn: string;
  clientToken: string;
  from: number;
  to: number;
  prefix: string;
  view: string;
  lines: number;
  polls: number;
}

export function incrementalExportModel(opts: {
  real: DynamoDBClient;
  /** Writes the export's objects (the bucket owner's, target-account credentials). */
  targetS3: S3Client;
  keyNames: KeyNames;
  /** The table as the full export has it (before any change of the log). */
  initial: () => readonly Item[];
  changes: () => readonly ModelledChange[];
  quirks?: (index: number) => WindowQuirks;
}) {
  const exports: ModelledExport[] = [];
  const byToken = new Map<string, ModelledExport>();
  const lostOnce = new Set<string>();
  const { keyNames } = opts;
  const keyOf = (item: Item) => canonicalKey(extractKey(item, keyNames), keyNames);

  /** Each key's image at `t` (the changes before t applied to the initial table). */
  function stateAt(t: number): Map<string, Item> {
    const state = new Map(opts.initial().map((item) => [keyOf(item), item] as const));
    for (const c of [...opts.changes()].sort((a, b) => a.at - b.at)) {
      if (c.at >= t) break;
      if (c.image) state.set(keyOf(c.key), c.image);
      else state.delete(keyOf(c.key));
    }
    return state;
  }

  async function write(
    exp: ModelledExport,
    quirks: WindowQuirks,
    input: ExportTableToPointInTimeCommandInput,
  ) {
    const inWindow = [...opts.changes()]
      .filter((c) => c.at >= exp.from && c.at < exp.to)
      .sort((a, b) => a.at - b.at);
    const before = stateAt(exp.from);
    type Line = { at: number; key: Item; newImage?: Item; oldImage?: Item };
    const lines: Line[] = [];
    if (quirks.uncompacted) {
      const current = new Map(before);
      for (const c of inWindow) {
        const k = keyOf(c.key);
        lines.push({
          at: c.at,
          key: c.key,
          ...(c.image ? { newImage: c.image } : {}),
          ...(current.has(k) ? { oldImage: current.get(k) } : {}),
        });
        if (c.image) current.set(k, c.image);
        else current.delete(k);
      }
      // Newest first, so an older line of a key is met after its newer one.
      lines.reverse();
    } else {
      const last = new Map<string, ModelledChange>();
      for (const c of inWindow) last.set(keyOf(c.key), c);
      for (const [k, c] of last) {
        const old = before.get(k);
        lines.push({
          at: c.at,
          key: c.key,
          ...(c.image ? { newImage: c.image } : {}),
          ...(old ? { oldImage: old } : {}),
        });
      }
    }
    const files: string[][] = [[], [], []];
    // Round robin; the lines of a key that has several go to files 0, 1, 2 newest first, so its
    // older lines come later.
    const perKey = new Map<string, number>();
    for (const l of lines) perKey.set(keyOf(l.key), (perKey.get(keyOf(l.key)) ?? 0) + 1);
    const seen = new Map<string, number>();
    lines.forEach((l, i) => {
      const k = keyOf(l.key);
      const n = seen.get(k) ?? 0;
      seen.set(k, n + 1);
      const file = (perKey.get(k) ?? 0) > 1 ? n : i;
      const json: Record<string, unknown> = {
        Metadata: { WriteTimestampMicros: { N: String(l.at * 1000) } },
        Keys: toDynamoJson(extractKey(l.key, keyNames)),
      };
      if (l.newImage) json.NewImage = toDynamoJson(l.newImage);
      if (l.oldImage && exp.view === 'NEW_AND_OLD_IMAGES') json.OldImage = toDynamoJson(l.oldImage);
      files[file % files.length]?.push(JSON.stringify(json));
    });
    files.push([]); // an empty partition still gets a file
    const exportId = exp.arn.split('/').at(-1) ?? '';
    const root = `${exp.prefix}/AWSDynamoDB`;
    const manifest: string[] = [];
    for (const content of files) {
      const key = `${root}/data/${randomBytes(8).toString('hex')}.json.gz`;
      await put(key, gzipSync(content.length ? `${content.join('\n')}\n` : ''));
      manifest.push(
        JSON.stringify({
          itemCount: content.length,
          md5Checksum: 'bW9kZWw=',
          etag: 'model',
          dataFileS3Key: key,
        }),
      );
    }
    await put(`${root}/${exportId}/manifest-files.json`, `${manifest.join('\n')}\n`);
    await put(
      `${root}/${exportId}/manifest-summary.json`,
      JSON.stringify({
        version: '2023-08-01',
        exportArn: exp.arn,
        tableArn: input.TableArn,
        exportFromTime: new Date(exp.from).toISOString(),
        exportToTime: new Date(exp.to).toISOString(),
        s3Bucket: input.S3Bucket,
        s3Prefix: exp.prefix,
        manifestFilesS3Key: `${root}/${exportId}/manifest-files.json`,
        billedSizeBytes: 10 * 1024 * 1024,
        itemCount: lines.length,
        outputFormat: 'DYNAMODB_JSON',
        outputView: exp.view,
        exportType: 'INCREMENTAL_EXPORT',
      }),
    );
    await put(`${root}/${exportId}/_started`, '');
    exp.lines = lines.length;
    async function put(key: string, body: string | Buffer) {
      const bytes = Buffer.from(body);
      await opts.targetS3.send(
        new PutObjectCommand({ Bucket: input.S3Bucket, Key: key, Body: bytes, ContentLength: bytes.length }),
      );
    }
  }

  async function request(input: ExportTableToPointInTimeCommandInput) {
    const token = input.ClientToken ?? '';
    let exp = byToken.get(token);
    if (!exp) {
      const spec = input.IncrementalExportSpecification ?? {};
      const from = (spec.ExportFromTime as Date).getTime();
      const to = (spec.ExportToTime as Date).getTime();
      if (to - from < 15 * 60_000 || to - from > 24 * 3_600_000)
        throw sdkError('ValidationException', 400, {
          message: 'Export period must be between 15 minutes and 24 hours',
        });
      const index = exports.length;
      const quirks = opts.quirks?.(index) ?? {};
      exp = {
        arn: `${input.TableArn}/export/0${Date.now()}-${randomBytes(4).toString('hex')}`,
        clientToken: token,
        from,
        to,
        prefix: input.S3Prefix ?? '',
        view: quirks.view ?? spec.ExportViewType ?? 'NEW_AND_OLD_IMAGES',
        lines: 0,
        polls: quirks.inProgressPolls ?? 0,
      };
      exports.push(exp);
      byToken.set(token, exp);
      await write(exp, quirks, input);
      if (quirks.loseFirstResponse && !lostOnce.has(token)) {
        lostOnce.add(token);
        throw sdkError('InternalServerError', 500);
      }
    }
    return { ExportDescription: describe(exp, 'IN_PROGRESS') };
  }

  function describe(exp: ModelledExport, status: ExportDescription['ExportStatus']): ExportDescription {
    return {
      ExportArn: exp.arn,
      ExportStatus: status,
      ExportType: 'INCREMENTAL_EXPORT',
      IncrementalExportSpecification: {
        ExportFromTime: new Date(exp.from),
        ExportToTime: new Date(exp.to),
        ExportViewType: exp.view as 'NEW_IMAGE',
      },
      S3Prefix: exp.prefix,
      ...(status === 'COMPLETED' ? { ItemCount: exp.lines, BilledSizeBytes: 10 * 1024 * 1024 } : {}),
    };
  }

  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const name = command.constructor.name;
      if (name === 'ExportTableToPointInTimeCommand' && command.input.ExportType === 'INCREMENTAL_EXPORT')
        return request(command.input as unknown as ExportTableToPointInTimeCommandInput);
      const modelled = exports.find((e) => e.arn === command.input.ExportArn);
      if (name === 'DescribeExportCommand' && modelled) {
        if (modelled.polls > 0) {
          modelled.polls -= 1;
          return { ExportDescription: describe(modelled, 'IN_PROGRESS') };
        }
        return { ExportDescription: describe(modelled, 'COMPLETED') };
      }
      return opts.real.send(command as never);
    },
  } as unknown as DynamoDBClient;
  return { client, exports, stateAt };
}
