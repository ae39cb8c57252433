// Namespaces, enums and interfaces: only functions with bodies are units.
import * as _tel from "./_telemetry_utils.mjs";
export namespace Geometry {
  export function area(w: number, h: number): number {
    const _tel$ = _tel.start("Geometry.area", "", 4); try {
    return w * h;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }

  export namespace Nested {
    export const half = (n: number): number => _tel.call("Geometry.Nested.half", "", 11, () => n / 2);
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
    const _tel$ = _tel.start("named.name", "", 27); try {
    return "named";
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  },
};
