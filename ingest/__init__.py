"""Taking files in: the CLI, the pipeline, naming, filing and the encrypted store."""
