"""Events: one attack at one place and time, and the reports that describe it."""
