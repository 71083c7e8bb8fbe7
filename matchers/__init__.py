"""Cross-checking what a document says against the CRM's records."""
