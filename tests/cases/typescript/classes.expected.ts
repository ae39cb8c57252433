// Classes: abstract members and overload signatures have no body; a derived class whose
// constructor TypeScript needs super() root-level in gets the OPEN line after super().
import * as _tel from "./_telemetry_utils.mjs";
export abstract class Shape {
  constructor(readonly label: string) {
    const _tel$ = _tel.start("Shape.constructor", "", 5); try {
    console.log(label);
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }

  abstract area(): number;

  describe(this: Shape): string {
    const _tel$ = _tel.start("Shape.describe", "", 13); try {
    return this.label;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }
}

export class Circle extends Shape {
  radius = 1;
  #scale: number;
  declare readonly tag: string;

  constructor(radius: number, private readonly unit: string) {
    super("circle");
    const _tel$ = _tel.start("Circle.constructor", "", 25); try {
    this.radius = radius;
    this.#scale = 2;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }

  area(): number {
    const _tel$ = _tel.start("Circle.area", "", 33); try {
    return Math.PI * this.radius ** 2 * this.#scale;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }

  scale(by: number): this;
  scale(by: string): this;
  scale(by: number | string): this {
    const _tel$ = _tel.start("Circle.scale", "", 41); try {
    this.radius *= Number(by);
    return this;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }

  get diameter(): number {
    const _tel$ = _tel.start("Circle.diameter", "", 48); try {
    return this.radius * 2;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }

  set diameter(d: number) {
    const _tel$ = _tel.start("Circle.diameter", "", 54); try {
    this.radius = d / 2;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }

  override describe(): string {
    const _tel$ = _tel.start("Circle.describe", "", 60); try {
    return `${super.describe()}(${this.radius}${this.unit})`;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }

  async grow(by: number): Promise<this> {
    const _tel$ = _tel.startAsync("Circle.grow", "", 66); return await _tel$.run(async () => { try {
    await null;
    this.radius += by;
    return this;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); } });
  }

  static unit = (): string => _tel.call("Circle.unit", "", 74, () => "cm");
}

export class Plain extends Shape {
  constructor() {
    const _tel$ = _tel.start("Plain.constructor", "", 78); try {
    const label = "plain";
    super(label);
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }

  area(): number {
    const _tel$ = _tel.start("Plain.area", "", 85); try {
    return 0;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }
}

export class Multiline extends Circle {
  count = 0;

  constructor() {
    super(
      2,
      "mm",
    );
    const _tel$ = _tel.start("Multiline.constructor", "", 95); try {
    this.count += 1;
    } catch (_tel$e) { throw _tel$.fail(_tel$e); } finally { _tel$.end(); }
  }
}
