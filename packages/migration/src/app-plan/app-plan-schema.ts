import { z } from 'zod';

const ACCOUNT = z.string().regex(/^\d{12}$/, 'an account id is 12 digits (quote it in YAML)');
const REGION = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'not an AWS Region');
const TABLE = z
  .string()
  .regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'not a DynamoDB table name (3-255 of a-z A-Z 0-9 _ - .)');

/** What may differ per table (the rest comes from `defaults`, then migrate's own defaults). */
const TABLE_OPTIONS = {
  loadMode: z.enum(['auto', 'import', 'write']).optional(),
  cdcMode: z.enum(['lambda', 'local', 'none']).optional(),
  cdcLambdaFunctionName: z.string().min(1).optional(),
  maxWcu: z.number().int().positive().optional(),
  writeConcurrency: z.number().int().min(1).max(256).optional(),
  dlqUrl: z.string().url().optional(),
  enablePitr: z.boolean().optional(),
};

/** One table of the application. */
export const AppTableSchema = z
  .object({
    name: TABLE,
    /** Default: the same name. */
    targetName: TABLE.optional(),
    ...TABLE_OPTIONS,
  })
  .strict();

/**
 * A migration plan file: the two sides once, then the tables. `select` adds the source tables
 * whose name starts with a prefix or that carry a tag, with the defaults.
 */
export const AppPlanSchema = z
  .object({
    version: z.literal(1),
    source: z
      .object({ region: REGION, accountId: ACCOUNT.optional(), profile: z.string().min(1).optional() })
      .strict(),
    target: z
      .object({
        region: REGION.optional(),
        accountId: ACCOUNT.optional(),
        roleName: z.string().min(1).optional(),
        roleArn: z
          .string()
          .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'not a role ARN')
          .optional(),
        profile: z.string().min(1).optional(),
        bucket: z
          .string()
          .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'not an S3 bucket name')
          .optional(),
      })
      .strict(),
    stateDir: z.string().min(1).optional(),
    /** Tables migrated at once (exports, imports and loads of different tables overlap). */
    concurrency: z.number().int().min(1).max(50).optional(),
    defaults: z.object(TABLE_OPTIONS).strict().optional(),
    tables: z.array(AppTableSchema).optional(),
    select: z
      .object({
        prefix: z.string().min(1).optional(),
        tag: z
          .object({ key: z.string().min(1), value: z.string().optional() })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((p) => (p.tables?.length ?? 0) > 0 || p.select !== undefined, {
    message: 'name at least one table (tables) or a selection (select)',
    path: ['tables'],
  });

/** A parsed plan file. */
export type AppPlan = z.infer<typeof AppPlanSchema>;
/** One table entry of a plan file. */
export type AppTable = z.infer<typeof AppTableSchema>;
