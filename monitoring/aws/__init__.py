"""CloudWatch: alarm presets per AWS service, log retention, and the plan/apply against live AWS."""
