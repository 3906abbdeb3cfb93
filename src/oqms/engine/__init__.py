"""Pure computation for OQMS: no Django, no app imports (enforced by import-linter)."""
