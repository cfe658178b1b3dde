"""The store: database engines, the SQL of a batch, the read queries and the schema migrations."""
