import shop = require("./shop.js");

async function main(): Promise<void> {
  const kiosk = new shop.Shop("kiosk", 1).add({ name: "gum", price: 1 });
  console.log(kiosk.total(), shop.names([undefined]).length);
}

void main();
