"""Dagster definitions, the refresh and publish path, and the `modelmarket` command line."""
