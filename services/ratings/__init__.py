"""Citizens' satisfaction with how their dossiers were handled."""
