"""The API's endpoints: each list and detail reads through a package's selectors."""
