"""Staff accounts: users, roles, signing in and out, passwords."""
