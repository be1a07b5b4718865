// The test-kit's global setup provides the moto endpoint; declared here so `tsc` over this
// package's tests sees the same augmentation as the test-kit's global-setup.ts.
declare module 'vitest' {
  export interface ProvidedContext {
    motoEndpoint: string;
  }
}
export {};
