// The shared config: unit and int projects, coverage of src/ (see @ddb-migrate/test-kit).
export { default } from '@ddb-migrate/test-kit/vitest-config';
