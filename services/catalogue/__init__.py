"""The national catalogue of administrative procedures and the agencies that implement them."""
