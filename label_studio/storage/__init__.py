"""Everything that touches the disk of a project lives in this package."""
