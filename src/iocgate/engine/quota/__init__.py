"""The quota scheduler: budgets and their windows, the key's scheduler, per-client budgets."""

from iocgate.engine.quota.budget import Budget, Window, WindowUsage, parse_budget
from iocgate.engine.quota.clients import PerClientQuota, half_budget
from iocgate.engine.quota.scheduler import (
    BudgetQuota,
    BudgetStore,
    MemoryBudgetStore,
    Quota,
    UnlimitedQuota,
)

__all__ = [
    "Budget",
    "BudgetQuota",
    "BudgetStore",
    "MemoryBudgetStore",
    "PerClientQuota",
    "Quota",
    "UnlimitedQuota",
    "Window",
    "WindowUsage",
    "half_budget",
    "parse_budget",
]
