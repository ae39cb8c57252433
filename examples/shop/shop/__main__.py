"""Run a few orders: `python -m shop`."""
import asyncio

from shop.inventory import restock_plan
from shop.orders import Order, place


async def main() -> None:
    orders = [Order("ada").add("apple", 2), Order("bob").add("pear", 1), Order("cy").add("plum", 3).add("apple", 1)]
    for outcome in await asyncio.gather(*(place(o) for o in orders)):
        print(outcome)
    print("restock:", list(restock_plan()))


asyncio.run(main())
