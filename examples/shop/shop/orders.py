"""Placing orders."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from shop.inventory import OutOfStock, reserve


@dataclass
class Order:
    customer: str
    lines: list[tuple[str, int]] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(quantity for _, quantity in self.lines)

    def add(self, item: str, quantity: int) -> "Order":
        self.lines.append((item, quantity))
        return self


async def charge(order: Order) -> float:
    await asyncio.sleep(0.01)
    return round(order.size * 1.25, 2)


async def place(order: Order) -> str:
    try:
        for item, quantity in order.lines:
            reserve(item, quantity)
    except OutOfStock as exc:
        return f"rejected: {exc}"
    total = await charge(order)
    return f"accepted: {total}"
