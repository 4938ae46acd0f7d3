"""Where a mixin's generated rule file goes (prometheus/rules/mixin-<name>.rules.yml): the generator
writes it, and `mac lint` finds it without importing the generator (its start-up time)."""

RULES_PREFIX = "mixin-"
