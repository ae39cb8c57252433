const { Cart, DiscountCart, summary } = require("./lib/cart");

async function pay(amount) {
  await new Promise((resolve) => setTimeout(resolve, 1));
  return `paid ${amount}`;
}

async function main() {
  const cart = new DiscountCart(0.1).add("apple", 1.5).add("pear", 2.5);
  console.log(summary(cart));
  console.log(cart.size);
  const result = await cart.checkout(pay);
  console.log(JSON.stringify(result));
  try {
    new Cart().add("broken", -1);
  } catch (error) {
    console.log(`caught ${error.constructor.name}: ${error.message}`);
  }
}

main();
