import { MigrationError } from '../errors.js';

/**
 * The export id from an export ARN: `arn:aws:dynamodb:r:a:table/T/export/01695...-abc` -> `01695...-abc`.
 * Takes the last path segment, which also copes with moto's malformed ARNs
 * (`...:table/arn:aws:dynamodb:...:table/src/import/<id>`).
 *
 * @throws MigrationError `EXPORT_ARN_INVALID` when the value is not an ARN with a path.
 */
export function exportIdFromArn(exportArn: string): string {
  const trimmed = exportArn.trim().replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  const id = slash >= 0 ? trimmed.slice(slash + 1) : '';
  if (!trimmed.startsWith('arn:') || id === '') {
    throw new MigrationError('EXPORT_ARN_INVALID', `"${exportArn}" is not a DynamoDB export ARN`, {
      hint: 'Pass the ExportArn returned by ExportTableToPointInTime / DescribeExport',
    });
  }
  return id;
}
