"""`mac discover`: a starting inventory read from live AWS, merged into an existing one by ruamel.yaml
round trip (comments, order and overrides kept; new resources added, vanished ones reported)."""
