"""Stock levels."""
from __future__ import annotations

STOCK = {"apple": 5, "pear": 0, "plum": 12}


class OutOfStock(Exception):
    pass


def reserve(item: str, quantity: int) -> int:
    available = STOCK.get(item, 0)
    if available < quantity:
        raise OutOfStock(f"{item}: {available} left, {quantity} wanted")
    STOCK[item] = available - quantity
    return STOCK[item]


def restock_plan(threshold: int = 3):
    for item, count in sorted(STOCK.items()):
        if count < threshold:
            yield item, threshold - count
