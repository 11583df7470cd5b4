"""Assets, checks, jobs and schedules, one folder per area (market, pricing, customers, warehouse)."""
