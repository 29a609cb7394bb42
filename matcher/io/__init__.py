"""Everything that reads or writes a file: safe YAML and JSON, spreadsheets, `--previous`
and the one atomic writer."""
