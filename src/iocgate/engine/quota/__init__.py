"""The quota scheduler: budgets and their windows, the key's scheduler, per-client budgets."""
