// Nothing to instrument: declarations, overload signatures and types only.
declare namespace Untyped {
  function run(x: number): void;
}

declare global {
  interface Window {
    telemetry?: unknown;
  }
}

export declare function declared(a: string): number;

export type Handler = (event: string) => void;

export interface Service {
  start(): Promise<void>;
}

export abstract class Abstract {
  abstract run(): void;
}
