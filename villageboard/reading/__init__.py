"""Reading and checking sources: files, strict YAML, fields, privacy, history, assets."""
