"""Online payment of procedure fees through banks and payment intermediaries."""
