"""Great Expectations suites (as code) and the runner Dagster's blocking checks call (DESIGN §5)."""
