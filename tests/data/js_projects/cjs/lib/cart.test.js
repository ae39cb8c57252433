const assert = require("node:assert");
const { Cart } = require("./cart");

function testTotal() {
  assert.strictEqual(new Cart().add("a", 1).total(), 1);
}

testTotal();
