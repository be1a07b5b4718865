import { ListImportsCommand } from '@aws-sdk/client-dynamodb';
import { describeSdkError } from '@ddb-migrate/core';
import { error, type PreflightCheck, warning } from './preflight-types.js';

/** DynamoDB runs at most 50 imports at once per account (ImportTable's LimitExceededException). */
export const MAX_CONCURRENT_IMPORTS = 50;

/**
 * Import mode only: counts the target account's imports that are still IN_PROGRESS. At the quota,
 * ImportTable would fail after the export has already run, so refuse now. A ListImports the
 * target role may not call (or a stand-in that lacks it) is a warning, not a refusal.
 */
export const checkImportQuota: PreflightCheck = async ({ clients, facts }) => {
  if (facts.loadMode !== 'import' || facts.state?.load !== undefined) return [];
  let inProgress = 0;
  try {
    let nextToken: string | undefined;
    do {
      const page = await clients.targetDdb.send(
        new ListImportsCommand({ PageSize: 25, NextToken: nextToken }),
      );
      inProgress += (page.ImportSummaryList ?? []).filter((s) => s.ImportStatus === 'IN_PROGRESS').length;
      nextToken = page.NextToken;
    } while (nextToken !== undefined && inProgress < MAX_CONCURRENT_IMPORTS);
  } catch (err) {
    return [
      warning(
        'IMPORT_QUOTA_UNKNOWN',
        `Could not count the target account's imports in flight (${describeSdkError(err)})`,
        `ImportTable fails with LimitExceededException when ${MAX_CONCURRENT_IMPORTS} imports are running; allow dynamodb:ListImports to check it up front`,
      ),
    ];
  }
  if (inProgress >= MAX_CONCURRENT_IMPORTS) {
    return [
      error(
        'IMPORT_QUOTA_REACHED',
        `The target account already runs ${inProgress} imports (the quota is ${MAX_CONCURRENT_IMPORTS})`,
        'Wait for some to finish, or use --load-mode write',
      ),
    ];
  }
  return [];
};
