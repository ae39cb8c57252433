// Classes: abstract members and overload signatures have no body; a derived class whose
// constructor TypeScript needs super() root-level in gets the OPEN line after super().
export abstract class Shape {
  constructor(readonly label: string) {
    console.log(label);
  }

  abstract area(): number;

  describe(this: Shape): string {
    return this.label;
  }
}

export class Circle extends Shape {
  radius = 1;
  #scale: number;
  declare readonly tag: string;

  constructor(radius: number, private readonly unit: string) {
    super("circle");
    this.radius = radius;
    this.#scale = 2;
  }

  area(): number {
    return Math.PI * this.radius ** 2 * this.#scale;
  }

  scale(by: number): this;
  scale(by: string): this;
  scale(by: number | string): this {
    this.radius *= Number(by);
    return this;
  }

  get diameter(): number {
    return this.radius * 2;
  }

  set diameter(d: number) {
    this.radius = d / 2;
  }

  override describe(): string {
    return `${super.describe()}(${this.radius}${this.unit})`;
  }

  async grow(by: number): Promise<this> {
    await null;
    this.radius += by;
    return this;
  }

  static unit = (): string => "cm";
}

export class Plain extends Shape {
  constructor() {
    const label = "plain";
    super(label);
  }

  area(): number {
    return 0;
  }
}

export class Multiline extends Circle {
  count = 0;

  constructor() {
    super(
      2,
      "mm",
    );
    this.count += 1;
  }
}
