"""Dossiers: synced from agencies' one-stop systems, on the clock, apologised for when late."""
