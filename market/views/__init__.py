"""Read models: the queries and view builders behind what the API and the pages show."""
