"""The landing page after login: a role-aware start page."""
