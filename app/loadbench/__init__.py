"""The load benchmark (`kennisbank bench load`): locust against a served Wiki-bibliotheek."""
