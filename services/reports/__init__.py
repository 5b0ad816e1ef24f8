"""The Decision 766 index of serving citizens and businesses, rankings and forms."""
