"""Inventory: YAML files -> located documents -> validated model."""
