"use strict";

class Cart {
  #items = [];

  add(name, price) {
    if (price < 0) {
      throw new RangeError(`negative price for ${name}`);
    }
    this.#items.push({ name, price });
    return this;
  }

  get size() {
    return this.#items.length;
  }

  total() {
    return this.#items.reduce((sum, item) => sum + item.price, 0);
  }

  *names() {
    for (const item of this.#items) {
      yield item.name;
    }
  }

  async checkout(pay) {
    const amount = this.total();
    const receipt = await pay(amount);
    return { amount, receipt };
  }
}

class DiscountCart extends Cart {
  constructor(rate) {
    super();
    this.rate = rate;
  }

  total() {
    return Math.round(super.total() * (1 - this.rate) * 100) / 100;
  }
}

const formatPrice = (value) => `$${value.toFixed(2)}`;

function summary(cart) {
  const lines = [...cart.names()].map((name) => `- ${name}`);
  return [...lines, `total: ${formatPrice(cart.total())}`].join("\n");
}

module.exports = { Cart, DiscountCart, summary, formatPrice };
