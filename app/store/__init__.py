"""The store: database engines, the SQL of a batch, the read queries, the change listener and the migrations."""
