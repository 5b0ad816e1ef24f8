"""What every service shares: settings, AWS access, HTTP conventions, auth, observability."""
