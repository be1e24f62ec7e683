"""Back-up and restore of the database and the data folder (`kennisbank backup`, `restore`)."""
