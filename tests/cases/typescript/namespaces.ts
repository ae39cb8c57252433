// Namespaces, enums and interfaces: only functions with bodies are units.
export namespace Geometry {
  export function area(w: number, h: number): number {
    return w * h;
  }

  export namespace Nested {
    export const half = (n: number): number => n / 2;
  }
}

export enum Color {
  Red,
  Green,
}

export interface Named {
  name(): string;
  readonly id: number;
}

export const named: Named = {
  id: 1,
  name() {
    return "named";
  },
};
