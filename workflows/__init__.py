"""One viewflow Flow per module; ``registry.FLOWS`` lists them for the site and the inbox."""
