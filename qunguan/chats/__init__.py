"""Chat messages imported from exports (and later received from bots), with their findings."""
