// TypeScript-only reasons to skip: a function declared in the body (TS1250 inside the try
// block for ES5 targets), a derived constructor whose super() shares a line.
export function withHelper(n: number): number {
  return helper(n);

  function helper(x: number): number {
    return x + 1;
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
