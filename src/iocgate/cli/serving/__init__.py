"""What `iocgate serve` runs, one concept a module: exposure (who may reach a port), listeners
(binding), apps (what each port serves), banner, heap (start-up's objects), loop (running)."""
