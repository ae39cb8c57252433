export interface Item {
  readonly name: string;
  readonly price: number;
}

export abstract class Store {
  protected readonly items: Item[] = [];

  constructor(readonly label: string) {
    this.items.length = 0;
  }

  abstract fee(): number;

  add(item: Item): this {
    this.items.push(item);
    return this;
  }

  total(): number {
    return this.items.reduce((sum, item) => sum + item.price, 0) + this.fee();
  }
}

export class Shop extends Store {
  #visits = 0;

  constructor(label: string, private readonly rate: number) {
    super(label);
    this.#visits += 1;
  }

  fee(): number {
    return this.rate * this.#visits;
  }

  async order(name: string): Promise<Item | undefined> {
    await Promise.resolve();
    return this.items.find((item) => item.name === name);
  }

  *expensive(limit: number): Generator<Item, void, undefined> {
    for (const item of this.items) {
      if (item.price > limit) yield item;
    }
  }
}

export const isItem = (value: unknown): value is Item =>
  typeof value === "object" && value !== null && "name" in value;

export function names(items: readonly (Item | undefined)[]): string[] {
  return items.filter((item) => item !== undefined).map((item) => item.name);
}
