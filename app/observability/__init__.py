"""Health, readiness, Prometheus metrics and log format: what operators and load balancers read."""
