import { Shop, isItem, names } from "./shop.js";

async function main(): Promise<void> {
  const shop = new Shop("corner", 0.5).add({ name: "tea", price: 3 }).add({ name: "cake", price: 5 });
  console.log(shop.total());
  const found = await shop.order("cake");
  console.log(isItem(found), names([found, undefined]));
  console.log([...shop.expensive(4)].map((item) => item.name).join(","));
}

await main();
