"""Sessions: the model, its TOML file, the store, the catalog, and starting a turn."""
