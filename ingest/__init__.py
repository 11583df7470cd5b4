"""Landing-zone contracts, reading, validation, raw archive, demo data and the genai-prices loader."""
