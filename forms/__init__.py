"""Input shapes only: forms parse and validate what people type; they never write or decide."""
