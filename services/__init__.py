"""The portal's four services and what they share (``services.core``)."""
