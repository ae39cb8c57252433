// TypeScript-only reasons to skip: a function declared in the body (TS1250 inside the try
// block for ES5 targets), a derived constructor whose super() shares a line.
import * as _tel from "./_telemetry_utils.mjs";
export function withHelper(n: number): number {
  return helper(n);

  function helper(x: number): number {
    const _tel$ = _tel.start("withHelper.helper", "", 7); try {
    return x + 1;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }
}

class Base {
  constructor(readonly n: number) {}
}

export class SuperOnTheBraceLine extends Base {
  private readonly m = 1;

  constructor(n: number) { super(n);
    console.log(this.m);
  }
}

export class SuperSharesItsLine extends Base {
  #hidden = 1;

  constructor(n: number) {
    super(n); console.log("same line");
    console.log(this.#hidden);
  }
}
