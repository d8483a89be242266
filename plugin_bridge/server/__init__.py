"""The bridge HTTP server: settings, schemas, batching engine, cache, metrics, app."""
